using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// A client that sends a push body a few bytes at a time, far below Kestrel's minimum request body data rate: it is
/// cut off (408, or the connection dropped) instead of holding a request open, nothing of its push is stored, and
/// other clients' pushes are served meanwhile.
/// </summary>
public abstract class SlowClientContract(ApiFixture api)
{
    [Fact]
    public async Task A_push_body_trickled_slower_than_the_minimum_data_rate_is_cut_off_stores_nothing_and_others_are_served()
    {
        var slow = SampleCall.Load("verification-code");
        var body = Encoding.UTF8.GetBytes(slow.Pushes[0]);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, api.Client.BaseAddress!.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/huawei/status HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
        var answer = ReadAnswerAsync(socket);

        var started = Stopwatch.StartNew();
        var other = SampleCall.Load("callback-connected");
        var otherPushed = false;
        for (var i = 0; i < body.Length - 1 && !answer.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(90); i++)
        {
            try
            {
                await socket.SendAsync(body.AsMemory(i, 1));
            }
            catch (SocketException)
            {
                break; // dropped by the server: what this test expects
            }
            if (!otherPushed && started.Elapsed > TimeSpan.FromSeconds(2))
            {
                // Another client, mid-trickle: served as usual.
                await api.PushAllAsync(other);
                otherPushed = true;
            }
            await Task.WhenAny(answer, Task.Delay(500));
        }
        var status = await answer.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(otherPushed, "the other client's push was sent while the slow body was still arriving");
        Assert.True(status is null or "408" or "400" or "503", $"the slow push was answered {status}");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(90), $"the slow push held its request for {started.Elapsed}");
        using var stored = await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(slow.SessionId)}");
        await ProblemResponse.AssertAsync(stored, HttpStatusCode.NotFound);
        using var served = await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(other.SessionId)}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    /// <summary>The status code of the first response line, or null when the connection closed without one.</summary>
    private static async Task<string?> ReadAnswerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        var received = new StringBuilder();
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                var text = received.ToString();
                if (text.Contains("\r\n", StringComparison.Ordinal)) return text.Split(' ')[1];
            }
        }
        catch (SocketException)
        {
        }
        return null;
    }
}

[Collection(ApiCollection.Name)]
public sealed class SlowClientTests(ApiFixture api) : SlowClientContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class SlowClientTestsOnPostgres(PostgresApiFixture api) : SlowClientContract(api);
