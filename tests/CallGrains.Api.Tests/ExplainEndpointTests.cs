using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// <c>GET /v1/calls/{sessionId}/explain</c> over real HTTP, embedded and on PostgreSQL: every field of the view explained
/// with the view's own value, the same 404 for unknown and other tenants' calls, and numbers and digits masked for a key
/// without <c>pii:read</c> exactly as in its view.
/// </summary>
public abstract class ExplainEndpointContract(ApiFixture api)
{
    [Fact]
    public async Task The_callback_sample_is_explained_field_by_field_with_the_views_own_values()
    {
        var call = await api.PushAllAsync(SampleCall.Load("callback-connected"));

        var view = JsonNode.Parse(await api.Client.GetStringAsync(CallPath(call.SessionId)))!;
        var explanation = JsonNode.Parse(await api.Client.GetStringAsync(CallPath(call.SessionId) + "/explain"))!;

        Assert.Equal(call.SessionId, (string?)explanation["sessionId"]);
        Assert.Equal(8, (int?)explanation["version"]);
        var items = explanation["items"]!.AsArray();
        Assert.Equal(Enumerable.Range(1, 8), items.Select(i => (int)i!["position"]!));
        Assert.All(items, i => Assert.Equal("folded", (string?)i!["treatment"]));
        Assert.Equal("disconnect", (string?)items[6]!["eventType"]);
        Assert.Equal("2019-01-24T03:04:49Z", (string?)items[6]!["eventTime"]);
        var fields = explanation["fields"]!.AsArray().ToDictionary(f => (string)f!["path"]!);
        foreach (var (path, field) in fields)
            Assert.True(JsonNode.DeepEquals(ValueAt(view, path), field!["value"]), $"{path}: {field!["value"]?.ToJsonString()} versus the view's {ValueAt(view, path)?.ToJsonString()}");
        foreach (var name in new[] { "status", "outcome", "hangupCause", "talkSeconds", "legs[1].answeredAt", "cdr", "userData", "caller", "digits", "problems", "version" }
                     .Where(n => n != "hangupCause").Append("hangup"))
            Assert.True(fields.ContainsKey(name), $"{name} is not explained");
        Assert.Equal("status.ended", (string?)fields["status"]!["rule"]);
        Assert.Equal([7, 8], fields["status"]!["decidedBy"]!.AsArray().Select(p => (int)p!));
        Assert.Equal("talk.answer-to-end", (string?)fields["talkSeconds"]!["rule"]);
        Assert.Equal([6], fields["legs[1].answeredAt"]!["outranked"]!.AsArray().Select(p => (int)p!));
        Assert.Contains("fwdAnswerTime 03:04:38", (string?)fields["talkSeconds"]!["because"]);
        Assert.Equal("+8613800007021", (string?)fields["legs[1].number"]!["value"]);
    }

    [Fact]
    public async Task An_unknown_call_is_a_404_problem()
    {
        using var response = await api.Client.GetAsync(CallPath($"never-{Guid.NewGuid():N}") + "/explain");

        await ProblemResponse.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Explaining_needs_a_key()
    {
        var call = await api.PushAllAsync(SampleCall.Load("verification-code"));

        using var response = await api.Anonymous.GetAsync(CallPath(call.SessionId) + "/explain");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_tenant_is_explained_its_own_calls_masked_as_its_views_and_another_tenants_call_is_not_found()
    {
        var taxi = await api.PushAllAsync(SampleCall.Load("notification-collect", userData: $"taxi-{Guid.NewGuid():N}"));
        var courier = await api.PushAllAsync(SampleCall.Load("callback-connected", userData: $"courier-{Guid.NewGuid():N}"));
        using var taxiClient = ClientWith(TenantIsolationContract.TaxiKey);

        using var own = await taxiClient.GetAsync(CallPath(taxi.SessionId) + "/explain");
        using var other = await taxiClient.GetAsync(CallPath(courier.SessionId) + "/explain");
        var maskedView = JsonNode.Parse(await taxiClient.GetStringAsync(CallPath(taxi.SessionId)))!;

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        await ProblemResponse.AssertAsync(other, HttpStatusCode.NotFound);
        var text = await own.Content.ReadAsStringAsync();
        var explanation = JsonNode.Parse(text)!;
        foreach (var field in explanation["fields"]!.AsArray())
            Assert.True(JsonNode.DeepEquals(ValueAt(maskedView, (string)field!["path"]!), field["value"]), (string?)field["path"]);
        Assert.StartsWith("+*", (string?)maskedView["legs"]![0]!["number"]);
        Assert.DoesNotContain("8613800000021", text, StringComparison.Ordinal);
        Assert.Equal(["*"], explanation["fields"]!.AsArray().Single(f => (string?)f!["path"] == "digits")!["value"]!.AsArray().Select(d => (string?)d));
        Assert.All(explanation["items"]!.AsArray().Where(i => (string?)i!["eventType"] == "collectInfo"),
            i => Assert.EndsWith("|*", (string?)i!["key"]));
    }

    private HttpClient ClientWith(string key)
    {
        var client = new HttpClient { BaseAddress = api.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The node at a path such as <c>legs[1].answeredAt</c> or <c>problems[0]</c>, as the explanation names fields.</summary>
    private static JsonNode? ValueAt(JsonNode view, string path)
    {
        JsonNode? node = view;
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[');
            node = node?[bracket < 0 ? part : part[..bracket]];
            if (bracket >= 0) node = node is JsonArray items && int.Parse(part[(bracket + 1)..^1]) is var i && i < items.Count ? items[i] : null;
        }
        return node;
    }

    private static string CallPath(string sessionId) => $"/v1/calls/{Uri.EscapeDataString(sessionId)}";
}

public sealed class ExplainEndpointTests(TenantApiFixture api) : ExplainEndpointContract(api), IClassFixture<TenantApiFixture>;

public sealed class ExplainEndpointTestsOnPostgres(TenantPostgresApiFixture api) : ExplainEndpointContract(api), IClassFixture<TenantPostgresApiFixture>;
