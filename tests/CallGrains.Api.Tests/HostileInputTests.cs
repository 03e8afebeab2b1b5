using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CallGrains.Api.Tests;

/// <summary>
/// What a hostile or broken sender can post, through real HTTP. A push that cannot be kept is a 400 problem
/// and stores nothing; a push whose identity is fine but whose fields cannot be read is kept (a refused
/// status push is lost for good) and the call lists the problems. Never a 5xx.
/// </summary>
public abstract class HostileInputContract(ApiFixture api)
{
    private const string Status = "/v1/huawei/status";
    private const string Fee = "/v1/huawei/fee";

    /// <summary>One hostile push: where it goes, its bytes for a fresh id, the answer, and for a 200 what the call must list.</summary>
    public sealed record HostileCase(string Path, Func<string, byte[]> Body, HttpStatusCode Expected, string? Problem = null);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] StatusPush(string eventType, JsonObject info) =>
        Utf8(new JsonObject { ["eventType"] = eventType, ["statusInfo"] = info }.ToJsonString());

    private static JsonObject Info(string id, params (string Name, JsonNode? Value)[] fields)
    {
        var info = new JsonObject { ["sessionId"] = id, ["timestamp"] = "2019-01-24 03:04:24", ["called"] = "+8613800000021" };
        foreach (var (name, value) in fields) info[name] = value;
        return info;
    }

    private static JsonObject Cdr(string id, params (string Name, JsonNode? Value)[] fields)
    {
        var cdr = new JsonObject { ["sessionId"] = id, ["direction"] = 0, ["callEndTime"] = "2019-01-24 03:04:49", ["userData"] = "hostile-order" };
        foreach (var (name, value) in fields) cdr[name] = value;
        return cdr;
    }

    private static byte[] FeePush(params JsonNode?[] cdrs) => Utf8(new JsonObject { ["eventType"] = "fee", ["feeLst"] = new JsonArray(cdrs) }.ToJsonString());

    public static readonly IReadOnlyDictionary<string, HostileCase> Cases = new Dictionary<string, HostileCase>
    {
        ["not JSON"] = new(Status, _ => Utf8("hello"), HttpStatusCode.BadRequest),
        ["empty body"] = new(Status, _ => [], HttpStatusCode.BadRequest),
        ["JSON array"] = new(Status, _ => Utf8("[]"), HttpStatusCode.BadRequest),
        ["JSON string"] = new(Status, _ => Utf8("\"callout\""), HttpStatusCode.BadRequest),
        ["JSON number"] = new(Status, _ => Utf8("42"), HttpStatusCode.BadRequest),
        ["JSON null"] = new(Status, _ => Utf8("null"), HttpStatusCode.BadRequest),
        ["object without envelope"] = new(Status, id => Utf8($"{{\"sessionId\":\"{id}\"}}"), HttpStatusCode.BadRequest),
        ["trailing garbage"] = new(Status, id => [.. StatusPush("callout", Info(id)), .. Utf8("xyz")], HttpStatusCode.BadRequest),
        ["missing eventType"] = new(Status, id => Utf8(new JsonObject { ["statusInfo"] = Info(id) }.ToJsonString()), HttpStatusCode.BadRequest),
        ["empty eventType"] = new(Status, id => StatusPush("", Info(id)), HttpStatusCode.BadRequest),
        ["eventType with a NUL"] = new(Status, id => StatusPush("\u0000", Info(id)), HttpStatusCode.BadRequest),
        ["eventType a number"] = new(Status, id => Utf8(new JsonObject { ["eventType"] = 5, ["statusInfo"] = Info(id) }.ToJsonString()), HttpStatusCode.BadRequest),
        ["statusInfo a string"] = new(Status, _ => Utf8("{\"eventType\":\"callout\",\"statusInfo\":\"x\"}"), HttpStatusCode.BadRequest),
        ["missing sessionId"] = new(Status, id => { var i = Info(id); i.Remove("sessionId"); return StatusPush("callout", i); }, HttpStatusCode.BadRequest),
        ["empty sessionId"] = new(Status, _ => StatusPush("callout", Info("")), HttpStatusCode.BadRequest),
        ["sessionId a number"] = new(Status, id => StatusPush("callout", Info(id, ("sessionId", 12345))), HttpStatusCode.BadRequest),
        ["sessionId of 257 characters"] = new(Status, id => StatusPush("callout", Info(id.PadRight(257, 'x'))), HttpStatusCode.BadRequest),
        ["sessionId with a NUL"] = new(Status, id => StatusPush("callout", Info(id + "\u0000")), HttpStatusCode.BadRequest),
        ["userData of 257 characters"] = new(Status, id => StatusPush("callout", Info(id, ("userData", new string('u', 257)))), HttpStatusCode.BadRequest),
        ["invalid UTF-8"] = new(Status, id => [.. Utf8($"{{\"eventType\":\"callout\",\"statusInfo\":{{\"sessionId\":\"{id}\",\"caller\":\""), 0xff, 0xfe, .. Utf8("\"}}")], HttpStatusCode.BadRequest),
        ["10,000 nested arrays"] = new(Status, id => Utf8($"{{\"eventType\":\"callout\",\"statusInfo\":{{\"sessionId\":\"{id}\",\"x\":{new string('[', 10_000)}{new string(']', 10_000)}}}}}"), HttpStatusCode.BadRequest),
        ["feeLst an object"] = new(Fee, id => Utf8(new JsonObject { ["eventType"] = "fee", ["feeLst"] = Cdr(id) }.ToJsonString()), HttpStatusCode.BadRequest),
        ["0 CDRs"] = new(Fee, _ => FeePush(), HttpStatusCode.BadRequest),
        ["51 CDRs"] = new(Fee, id => FeePush([.. Enumerable.Range(0, 51).Select(i => (JsonNode)Cdr($"{id}-{i}"))]), HttpStatusCode.BadRequest),
        ["a batch with one CDR without sessionId"] = new(Fee, id => { var bad = Cdr("x"); bad.Remove("sessionId"); return FeePush(Cdr(id), bad); }, HttpStatusCode.BadRequest),
        ["a batch with one CDR that is not an object"] = new(Fee, id => FeePush(Cdr(id), 5), HttpStatusCode.BadRequest),
        ["a batch with one CDR whose userData is too long"] = new(Fee, id => FeePush(Cdr(id), Cdr(id + "-2", ("userData", new string('u', 257)))), HttpStatusCode.BadRequest),

        ["timestamp a number"] = new(Status, id => StatusPush("callout", Info(id, ("timestamp", 5))), HttpStatusCode.OK, "timestamp"),
        ["timestamp not a time"] = new(Status, id => StatusPush("callout", Info(id, ("timestamp", "yesterday"))), HttpStatusCode.OK, "timestamp"),
        ["stateCode an object"] = new(Status, id => StatusPush("disconnect", Info(id, ("stateCode", new JsonObject { ["a"] = 1 }))), HttpStatusCode.OK, "stateCode"),
        ["stateCode 1e400"] = new(Status, id => Utf8($"{{\"eventType\":\"disconnect\",\"statusInfo\":{{\"sessionId\":\"{id}\",\"stateCode\":1e400}}}}"), HttpStatusCode.OK, "stateCode"),
        ["stateCode 2^63"] = new(Status, id => Utf8($"{{\"eventType\":\"disconnect\",\"statusInfo\":{{\"sessionId\":\"{id}\",\"stateCode\":9223372036854775808}}}}"), HttpStatusCode.OK, "stateCode"),
        ["stateCode -1"] = new(Status, id => StatusPush("disconnect", Info(id, ("stateCode", -1))), HttpStatusCode.OK),
        ["called an array"] = new(Status, id => StatusPush("callout", Info(id, ("called", new JsonArray(1, 2)))), HttpStatusCode.OK, "called"),
        ["caller a lone surrogate"] = new(Status, id => Utf8($"{{\"eventType\":\"callout\",\"statusInfo\":{{\"sessionId\":\"{id}\",\"caller\":\"\\uD800\"}}}}"), HttpStatusCode.OK, "caller"),
        ["digitInfo a boolean"] = new(Status, id => StatusPush("collectInfo", Info(id, ("digitInfo", true))), HttpStatusCode.OK, "digitInfo"),
        ["unknown eventType"] = new(Status, id => StatusPush("callin", Info(id)), HttpStatusCode.OK, "callin"),
        ["duplicate keys"] = new(Status, id => Utf8($"{{\"eventType\":\"callout\",\"eventType\":\"alerting\",\"statusInfo\":{{\"sessionId\":\"{id}\",\"timestamp\":\"2019-01-24 03:04:24\",\"timestamp\":\"2019-01-24 03:04:25\"}}}}"), HttpStatusCode.OK),
        ["CDR fields of the wrong types"] = new(Fee, id => FeePush(Cdr(id, ("callEndTime", 5), ("fwdUnaswRsn", "abc"), ("direction", new JsonArray()))), HttpStatusCode.OK, "callEndTime"),
        ["CDR numbers out of range"] = new(Fee, id => Utf8($"{{\"eventType\":\"fee\",\"feeLst\":[{{\"sessionId\":\"{id}\",\"callOutUnaswRsn\":1e400,\"fwdUnaswRsn\":-99999999999999999999}}]}}"), HttpStatusCode.OK, "callOutUnaswRsn"),
        ["sessionId of 256 characters"] = new(Status, id => StatusPush("callout", Info(id.PadRight(256, 'x'))), HttpStatusCode.OK),
        ["sessionId with a slash"] = new(Status, id => StatusPush("callout", Info(id + "/../x?y#z")), HttpStatusCode.OK),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Hostile_input_gets_its_answer_and_never_a_5xx_or_a_half_stored_push(string name)
    {
        var hostile = Cases[name];
        var id = $"hostile-{Guid.NewGuid():N}";
        var body = hostile.Body(id);

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await api.Client.PostAsync(hostile.Path, content);

        Assert.Equal(hostile.Expected, response.StatusCode);
        var stored = await StoredSessionsAsync(body);
        if (hostile.Expected == HttpStatusCode.OK)
        {
            Assert.Equal("{\"resultcode\":\"0\",\"resultdesc\":\"Success\"}", await response.Content.ReadAsStringAsync());
            Assert.NotEmpty(stored);
            if (hostile.Problem is { } problem)
                Assert.Contains(await ProblemsAsync(stored[0]), p => p.Contains(problem, StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Empty(stored);
        }
    }

    /// <summary>The session ids in the body (from a plain scan, as a broken body may not parse) that have a stored view.</summary>
    private async Task<IReadOnlyList<string>> StoredSessionsAsync(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var ids = System.Text.RegularExpressions.Regex.Matches(text, "hostile-[0-9a-f]{32}[^\"\\\\]*").Select(m => m.Value).Distinct().Take(60);
        var stored = new List<string>();
        foreach (var id in ids)
        {
            using var view = await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(id)}");
            Assert.True(view.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"view of {id}: {view.StatusCode}");
            if (view.StatusCode == HttpStatusCode.OK) stored.Add(id);
        }
        return stored;
    }

    private async Task<IReadOnlyList<string>> ProblemsAsync(string sessionId)
    {
        using var view = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls/{Uri.EscapeDataString(sessionId)}"));
        return [.. view.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)];
    }
}

[Collection(ApiCollection.Name)]
public sealed class HostileInputTests(ApiFixture api) : HostileInputContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class HostileInputTestsOnPostgres(PostgresApiFixture api) : HostileInputContract(api);
