using System.Net;
using System.Text;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>The contract; run against the embedded service and against a PostgreSQL cluster.</summary>
public abstract class PushEndpointContract(ApiFixture api)
{
    [Theory]
    [MemberData(nameof(Samples), MemberType = typeof(PushEndpointContract))]
    public async Task Each_sample_push_is_acknowledged_with_the_platforms_success_body(string name)
    {
        var call = SampleCall.Load(name);

        foreach (var push in call.Pushes)
        {
            using var response = await api.PostJsonAsync(ApiFixture.PushPathFor(push), push);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
            using var ack = JsonDocument.Parse(body);
            Assert.Equal("0", ack.RootElement.GetProperty("resultcode").GetString());
            Assert.Equal("Success", ack.RootElement.GetProperty("resultdesc").GetString());
        }

        using var view = await GetJsonAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}");
        Assert.Equal("ended", view.RootElement.GetProperty("status").GetString());
        Assert.Equal("answered", view.RootElement.GetProperty("outcome").GetString());
        Assert.True(view.RootElement.GetProperty("final").GetBoolean());
    }

    [Fact]
    public async Task The_events_endpoint_takes_both_kinds_of_push_in_any_order()
    {
        var call = SampleCall.Load("callback-connected");

        await api.PushAllAsync(call.Shuffled(seed: 3), push => api.PostJsonAsync("/v1/huawei/events", push));

        using var view = await GetJsonAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}");
        Assert.Equal("callback", view.RootElement.GetProperty("scenario").GetString());
        Assert.Equal(11, view.RootElement.GetProperty("talkSeconds").GetInt32());
        Assert.Equal(call.Pushes.Count, view.RootElement.GetProperty("version").GetInt32());
    }

    [Theory]
    [InlineData("this is not json", "JSON")]
    [InlineData("[1,2,3]", "object")]
    [InlineData("{\"statusInfo\":{\"sessionId\":\"s-1\"}}", "eventType")]
    [InlineData("{\"eventType\":\"\",\"statusInfo\":{\"sessionId\":\"s-1\"}}", "eventType")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{\"timestamp\":\"2019-01-24 03:04:31\"}}", "sessionId")]
    [InlineData("{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"\"}}", "sessionId")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[]}", "feeLst")]
    [InlineData("{\"eventType\":\"fee\",\"feeLst\":[{\"sessionId\":\"s-1\"},{\"callEndTime\":\"\"}]}", "sessionId")]
    public async Task A_push_that_cannot_be_kept_is_a_400_problem_and_stores_nothing(string body, string detailMentions)
    {
        using var response = await api.PostJsonAsync("/v1/huawei/events", body);

        Assert.Contains(detailMentions, await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync("/v1/calls/s-1/events")).StatusCode);
    }

    [Fact]
    public async Task A_cdr_push_of_51_entries_is_rejected_whole()
    {
        var entries = Enumerable.Range(0, 51).Select(i => $"{{\"sessionId\":\"batch51-{i}-{Guid.NewGuid():N}\"}}");
        using var response = await api.PostJsonAsync("/v1/huawei/fee", $"{{\"eventType\":\"fee\",\"feeLst\":[{string.Join(',', entries)}]}}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_cdr_push_of_50_entries_stores_every_call()
    {
        var sessions = Enumerable.Range(0, 50).Select(i => $"batch50-{i}-{Guid.NewGuid():N}").ToList();
        var entries = sessions.Select(s => $"{{\"sessionId\":\"{s}\",\"calleeNum\":\"+8613800000044\",\"callOutStartTime\":\"2016-12-28 10:27:43\",\"callEndTime\":\"2016-12-28 10:28:10\",\"serviceType\":\"001\"}}");

        using var response = await api.PostJsonAsync("/v1/huawei/fee", $"{{\"eventType\":\"fee\",\"feeLst\":[{string.Join(',', entries)}]}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var session in sessions)
        {
            using var view = await GetJsonAsync($"/v1/calls/{session}");
            Assert.True(view.RootElement.GetProperty("final").GetBoolean());
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_problem()
    {
        var padding = new string('x', 1024 * 1024 + 10);
        // Kestrel answers 413 from Content-Length before reading the body; asking for
        // 100-continue keeps the client from racing that answer with its upload.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/huawei/status")
        {
            Content = new StringContent(
                $"{{\"eventType\":\"answer\",\"statusInfo\":{{\"sessionId\":\"big-{Guid.NewGuid():N}\",\"pad\":\"{padding}\"}}}}",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        using var response = await api.Client.SendAsync(request);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_store_outage_is_a_503_with_retry_after_that_names_the_storage_and_nothing_is_acknowledged()
    {
        var call = SampleCall.Load("verification-code");

        HttpResponseMessage response;
        await using (await api.OutageAsync())
            response = await api.PostJsonAsync("/v1/huawei/status", call.Pushes[0]);

        await ProblemResponse.AssertUnavailableAsync(response, "storage");
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}")).StatusCode);
        Assert.True(await AcknowledgedWithinAsync(call.Pushes[0], TimeSpan.FromSeconds(20)), "the service did not recover by itself");
    }

    [Fact]
    public async Task A_push_with_fields_that_cannot_be_read_is_kept_and_the_call_lists_the_problems()
    {
        var session = $"odd-{Guid.NewGuid():N}";
        var push = $"{{\"eventType\":\"disconnect\",\"statusInfo\":{{\"sessionId\":\"{session}\",\"timestamp\":\"not a time\",\"stateCode\":\"abc\"}}}}";
        var unknown = $"{{\"eventType\":\"callin\",\"statusInfo\":{{\"sessionId\":\"{session}\",\"timestamp\":\"2019-01-24 03:04:24\"}}}}";

        Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync("/v1/huawei/status", push)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync("/v1/huawei/status", unknown)).StatusCode);

        using var view = await GetJsonAsync($"/v1/calls/{session}");
        var problems = view.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("stateCode", StringComparison.Ordinal) && p.Contains("abc", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("callin", StringComparison.Ordinal));
        Assert.Equal("ended", view.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_duplicate_push_is_acknowledged_and_changes_nothing()
    {
        var call = SampleCall.Load("notification-collect");
        await api.PushAllAsync(call.Pushes);
        var before = await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}");

        await api.PushAllAsync(call.Pushes);

        Assert.Equal(before, await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(call.SessionId)}"));
    }

    [Fact]
    public async Task Pushes_need_no_api_key()
    {
        var call = SampleCall.Load("verification-code");
        using var response = await api.Anonymous.PostAsync("/v1/huawei/status", new StringContent(call.Pushes[0], Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string> Samples() => [.. SampleCall.Names];

    private async Task<bool> AcknowledgedWithinAsync(string push, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if ((await api.PostJsonAsync("/v1/huawei/status", push)).StatusCode == HttpStatusCode.OK) return true;
            await Task.Delay(200);
        }
        return false;
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await api.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}

[Collection(ApiCollection.Name)]
public sealed class PushEndpointTests(ApiFixture api) : PushEndpointContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class PushEndpointTestsOnPostgres(PostgresApiFixture api) : PushEndpointContract(api);
