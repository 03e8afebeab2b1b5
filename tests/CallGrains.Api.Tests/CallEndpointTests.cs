using System.Net;
using System.Text.Json;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>The contract; run against the embedded service and against a PostgreSQL cluster.</summary>
public abstract class CallEndpointContract(ApiFixture api)
{
    [Fact]
    public async Task The_call_view_has_every_field_of_the_contract_in_its_json_form()
    {
        var call = await api.PushAllAsync(SampleCall.Load("callback-connected"));

        using var view = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(call)));

        var root = view.RootElement;
        foreach (var field in new[] { "sessionId", "scenario", "status", "final", "outcome", "legs", "hangup", "digits", "talkSeconds",
                     "billableMinutes", "userData", "request", "cdr", "problems", "version", "updatedAt" })
            Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal(call.SessionId, root.GetProperty("sessionId").GetString());
        Assert.Equal(call.UserData, root.GetProperty("userData").GetString());
        var legs = root.GetProperty("legs");
        Assert.Equal(2, legs.GetArrayLength());
        Assert.Equal("+8613800000021", legs[0].GetProperty("number").GetString());
        Assert.Equal("+8613800007021", legs[1].GetProperty("number").GetString());
        Assert.Equal("2019-01-24T03:04:38Z", legs[1].GetProperty("answeredAt").GetString());
        Assert.Equal(1, root.GetProperty("billableMinutes").GetInt32());
        Assert.Equal(0, root.GetProperty("hangup").GetProperty("stateCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("request").ValueKind);
        Assert.EndsWith("Z", root.GetProperty("updatedAt").GetString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("%2F")]
    [InlineData("%252F")]
    [InlineData("/../")]
    public async Task A_session_id_with_slashes_or_percent_text_is_read_back_under_exactly_that_id(string part)
    {
        var call = SampleCall.Load("verification-code", sessionId: $"odd-{Guid.NewGuid():N}{part}end");
        await api.PushAllAsync(call);

        using var view = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(call)));
        using var events = await api.Client.GetAsync(CallPath(call) + "/events");

        Assert.Equal(call.SessionId, view.RootElement.GetProperty("sessionId").GetString());
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
    }

    [Fact]
    public async Task An_unknown_call_is_a_404_problem()
    {
        using var response = await api.Client.GetAsync($"/v1/calls/never-{Guid.NewGuid():N}");

        await ProblemResponse.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Business_endpoints_without_a_valid_key_are_401()
    {
        var call = await api.PushAllAsync(SampleCall.Load("verification-code"));

        using var missing = await api.Anonymous.GetAsync(CallPath(call));
        using var wrong = new HttpRequestMessage(HttpMethod.Get, CallPath(call));
        wrong.Headers.Authorization = new("Bearer", "not-the-key");
        using var wrongResponse = await api.Anonymous.SendAsync(wrong);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Anonymous.GetAsync("/v1/calls")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Anonymous.GetAsync("/v1/requests?businessId=x")).StatusCode);
    }

    [Fact]
    public async Task The_events_list_every_stored_item_in_arrival_order_exactly_as_received()
    {
        var call = SampleCall.Load("notification-collect");
        await api.PushAllAsync(call);
        await api.PostJsonAsync("/v1/huawei/status", call.Pushes[0]);

        using var events = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(call) + "/events"));

        var items = events.RootElement.EnumerateArray().ToList();
        Assert.Equal(call.Pushes.Count, items.Count);
        Assert.Equal(call.Pushes[0], items[0].GetProperty("body").GetRawText());
        Assert.Equal(["callout", "alerting", "answer", "collectInfo", "disconnect", "fee"], items.Select(i => i.GetProperty("eventType").GetString()));
        Assert.All(items, i => Assert.True(i.GetProperty("changedView").GetBoolean()));
        Assert.All(items, i => Assert.EndsWith("Z", i.GetProperty("receivedAt").GetString()));
    }

    [Fact]
    public async Task Events_of_an_unknown_call_are_a_404_problem()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/v1/calls/never-{Guid.NewGuid():N}/events")).StatusCode);
    }

    [Fact]
    public async Task Calls_are_listed_by_user_data_status_and_outcome_newest_first()
    {
        var userData = $"list-{Guid.NewGuid():N}";
        var ended = await api.PushAllAsync(SampleCall.Load("verification-code", userData: userData));
        var ringing = SampleCall.Load("verification-code", userData: userData);
        await api.PushAllAsync(ringing.Pushes.Take(2));

        var all = await ListAsync($"/v1/calls?userData={userData}");
        var answered = await ListAsync($"/v1/calls?userData={userData}&outcome=answered");
        var stillRinging = await ListAsync($"/v1/calls?userData={userData}&status=ringing");

        Assert.Equal([ringing.SessionId, ended.SessionId], all);
        Assert.Equal([ended.SessionId], answered);
        Assert.Equal([ringing.SessionId], stillRinging);
    }

    [Fact]
    public async Task A_long_list_is_paged_with_a_cursor_and_honours_since_and_until()
    {
        var userData = $"paged-{Guid.NewGuid():N}";
        var sessions = new List<string>();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 5; i++)
            sessions.Add((await api.PushAllAsync(SampleCall.Load("verification-code", userData: userData))).SessionId);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var page = JsonDocument.Parse(await api.Client.GetStringAsync(
                $"/v1/calls?userData={userData}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}")));
            seen.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("sessionId").GetString()!));
            cursor = page.RootElement.GetProperty("next").GetString();
            pages++;
        } while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(sessions.AsEnumerable().Reverse(), seen);
        Assert.Empty(await ListAsync($"/v1/calls?userData={userData}&until={Uri.EscapeDataString(before.ToString("O"))}"));
        Assert.Equal(5, (await ListAsync($"/v1/calls?userData={userData}&since={Uri.EscapeDataString(before.ToString("O"))}")).Count);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("limit=ten")]
    [InlineData("status=finished")]
    [InlineData("outcome=maybe")]
    [InlineData("since=yesterday")]
    [InlineData("cursor=%%%")]
    public async Task A_list_query_that_makes_no_sense_is_a_400_problem(string query)
    {
        using var response = await api.Client.GetAsync("/v1/calls?" + query);

        await ProblemResponse.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    private async Task<List<string>> ListAsync(string path)
    {
        using var page = JsonDocument.Parse(await api.Client.GetStringAsync(path));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("sessionId").GetString()!)];
    }

    private static string CallPath(SampleCall call) => $"/v1/calls/{Uri.EscapeDataString(call.SessionId)}";
}

[Collection(ApiCollection.Name)]
public sealed class CallEndpointTests(ApiFixture api) : CallEndpointContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class CallEndpointTestsOnPostgres(PostgresApiFixture api) : CallEndpointContract(api);
