using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CallGrains.Api.Tests;

/// <summary>A change as the feed and the stream write it.</summary>
internal sealed record FeedChange(long Seq, string Type, string SessionId, int Version, JsonElement Call)
{
    public static FeedChange Of(JsonElement item) => new(
        item.GetProperty("seq").GetInt64(),
        item.GetProperty("type").GetString()!,
        item.GetProperty("sessionId").GetString()!,
        item.GetProperty("version").GetInt32(),
        item.GetProperty("call").Clone());
}

/// <summary>A client of the event stream: reads events (id, event, data) and skips comment lines.</summary>
internal sealed class ChangeStream(HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<ChangeStream> OpenAsync(HttpClient client, string path, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        // The stream has started once its first comment arrived: what is pushed after that is sent.
        Assert.StartsWith(":", await reader.ReadLineAsync());
        return new ChangeStream(response, reader);
    }

    public async Task<List<FeedChange>> ReadAsync(int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var changes = new List<FeedChange>();
        string? id = null, type = null;
        while (changes.Count < count)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var data = JsonDocument.Parse(line[6..]);
                var change = FeedChange.Of(data.RootElement);
                Assert.Equal(id, change.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(type, change.Type);
                changes.Add(change);
            }
        }
        return changes;
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
