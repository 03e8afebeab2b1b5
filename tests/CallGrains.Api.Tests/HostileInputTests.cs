using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallGrains.Tests.Shared;

namespace CallGrains.Api.Tests;

/// <summary>
/// What a hostile or broken sender can post, through real HTTP, on each of the three push paths (all three
/// dispatch on <c>eventType</c>, so every case has the same answer on each). Read the table as the specification:
/// <list type="bullet">
/// <item>400 (a problem) only when the push cannot be kept at all: not JSON, no usable <c>eventType</c>, an item
/// with no usable <c>sessionId</c>, a <c>feeLst</c> that is not 1 to 50 CDRs. Nothing of it is stored, not even the
/// good CDRs of a batch.</item>
/// <item>413 (a problem) for a body over 1 MiB.</item>
/// <item>200 for everything else, even when fields cannot be interpreted: every item is stored exactly as sent
/// (it shows in <c>/events</c>) and the call lists the fields it could not read in <c>problems</c>.</item>
/// <item>Never a 5xx.</item>
/// </list>
/// </summary>
public abstract partial class HostileInputContract(ApiFixture api)
{
    private const int Limit = 1024 * 1024;

    public static IReadOnlyList<string> Paths { get; } = ["/v1/huawei/status", "/v1/huawei/fee", "/v1/huawei/events"];

    public enum Send { Json, Chunked, ExpectContinue, NoContentType, TextPlain }

    /// <summary>
    /// One hostile push, built for a fresh id (every session id in the body starts with it).
    /// <paramref name="Listed"/>: fields the call must list among its problems; <paramref name="NotListed"/>: fields it must not
    /// (they were readable).
    /// </summary>
    public sealed record HostileCase(
        Func<string, byte[]> Body, HttpStatusCode Expected, string[]? Listed = null, string[]? NotListed = null, Send Send = Send.Json);

    private static HostileCase Refused(Func<string, string> body) => new(id => Utf8(body(id)), HttpStatusCode.BadRequest);
    private static HostileCase Kept(Func<string, string> body, params string[] listed) => new(id => Utf8(body(id)), HttpStatusCode.OK, listed);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A status push; <paramref name="fields"/> is the rest of <c>statusInfo</c> after the session id.</summary>
    private static string Status(string eventType, string id, string fields = "") =>
        $$$"""{"eventType":"{{{eventType}}}","statusInfo":{"sessionId":"{{{id}}}","timestamp":"2019-01-24 03:04:24","called":"+8613800000021"{{{(fields.Length > 0 ? "," + fields : "")}}}}}""";

    private static string Cdr(string id, string fields = "") =>
        $$"""{"sessionId":"{{id}}","direction":0,"calleeNum":"+8613800000044","callEndTime":"2019-01-24 03:04:49","userData":"{{id}}-order"{{(fields.Length > 0 ? "," + fields : "")}}}""";

    private static string Fee(params string[] cdrs) => $$"""{"eventType":"fee","feeLst":[{{string.Join(',', cdrs)}}]}""";

    private static string Nested(int depth, char open, char close) => new string(open, depth) + new string(close, depth);

    private static string NestedObjects(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    /// <summary>A status push padded with an unknown field to exactly <paramref name="size"/> bytes.</summary>
    private static byte[] Padded(string id, int size)
    {
        var empty = Status("callout", id, "\"pad\":\"\"");
        return Utf8(Status("callout", id, $"\"pad\":\"{new string('x', size - Utf8(empty).Length)}\""));
    }

    private static readonly string[] StatusTextFields = ["caller", "called", "stateDesc", "partyType", "userData"];
    private static readonly string[] CdrTextFields =
    [
        "spId", "appKey", "icid", "bindNum", "callerNum", "calleeNum", "fwdDisplayNum", "fwdDstNum", "recordObjectName",
        "recordBucketName", "recordDomain", "recordFileDownloadUrl", "dynIVRPath", "serviceType", "hostName", "userData",
    ];
    private static readonly string[] CdrIntegerFields =
        ["direction", "callOutUnaswRsn", "fwdUnaswRsn", "ulFailReason", "sipStatusCode", "recordFlag", "ttsPlayTimes", "ttsTransDuration"];
    private static readonly string[] CdrTimeFields =
    [
        "callOutStartTime", "callOutAlertingTime", "callOutAnswerTime", "fwdStartTime", "fwdAlertingTime", "fwdAnswerTime",
        "callEndTime", "failTime", "recordStartTime", "dynIVRStartTime",
    ];

    /// <summary>How each kind of field reads a wrong value: the kinds of field that list it as a problem.</summary>
    [Flags] private enum Rejects { None = 0, Text = 1, Integer = 2, Time = 4, All = 7 }

    private static readonly (string Name, string Json, Rejects Rejects)[] WrongValues =
    [
        ("an object", "{\"a\":1}", Rejects.All),
        ("an array", "[1,2]", Rejects.All),
        ("a boolean", "true", Rejects.All),
        ("a string with a lone surrogate", "\"\\uD800\"", Rejects.All),
        ("a word", "\"abc\"", Rejects.Integer | Rejects.Time),
        ("an impossible time", "\"2019-02-30 25:61:61\"", Rejects.Integer | Rejects.Time),
        ("1e400", "1e400", Rejects.Integer | Rejects.Time),
        ("2^63", "9223372036854775808", Rejects.Integer | Rejects.Time),
        ("-99999999999 as a string", "\"-99999999999\"", Rejects.Integer | Rejects.Time),
        ("1.5", "1.5", Rejects.Integer | Rejects.Time),
        ("-1", "-1", Rejects.Time),
        ("an empty string", "\"\"", Rejects.None),
        ("null", "null", Rejects.None),
    ];

    /// <summary>The fields among <paramref name="fields"/> of one kind that list (or do not list) a value.</summary>
    private static string[] Split(Rejects rejects, Rejects kind, bool listed, params string[][] fields) =>
        [.. fields.SelectMany(f => f).Where(_ => rejects.HasFlag(kind) == listed)];

    private static IEnumerable<KeyValuePair<string, HostileCase>> WrongTypeCases()
    {
        foreach (var (name, json, rejects) in WrongValues)
        {
            // disconnect reads stateCode, stateDesc and partyType; collectInfo reads digitInfo.
            string DisconnectFields() =>
                $"\"timestamp\":{json},\"caller\":{json},\"called\":{json},\"stateCode\":{json},\"stateDesc\":{json},\"partyType\":{json},\"userData\":{json}";
            yield return new($"every status field {name}", new HostileCase(
                id => Utf8($$$"""{"eventType":"disconnect","statusInfo":{"sessionId":"{{{id}}}",{{{DisconnectFields()}}}}}"""),
                HttpStatusCode.OK,
                [.. Split(rejects, Rejects.Text, true, StatusTextFields), .. Split(rejects, Rejects.Integer, true, ["stateCode"]), .. Split(rejects, Rejects.Time, true, ["timestamp"])],
                [.. Split(rejects, Rejects.Text, false, StatusTextFields), .. Split(rejects, Rejects.Integer, false, ["stateCode"]), .. Split(rejects, Rejects.Time, false, ["timestamp"])]));
            yield return new($"digitInfo {name}", new HostileCase(
                id => Utf8(Status("collectInfo", id, $"\"digitInfo\":{json}")), HttpStatusCode.OK,
                Split(rejects, Rejects.Text, true, ["digitInfo"]), Split(rejects, Rejects.Text, false, ["digitInfo"])));
            yield return new($"every CDR field {name}", new HostileCase(
                id => Utf8(Fee($$"""{"sessionId":"{{id}}",{{string.Join(',', CdrTextFields.Concat(CdrIntegerFields).Concat(CdrTimeFields).Select(f => $"\"{f}\":{json}"))}}}""")),
                HttpStatusCode.OK,
                [.. Split(rejects, Rejects.Text, true, CdrTextFields), .. Split(rejects, Rejects.Integer, true, CdrIntegerFields), .. Split(rejects, Rejects.Time, true, CdrTimeFields)],
                [.. Split(rejects, Rejects.Text, false, CdrTextFields), .. Split(rejects, Rejects.Integer, false, CdrIntegerFields), .. Split(rejects, Rejects.Time, false, CdrTimeFields)]));
        }
    }

    public static readonly IReadOnlyDictionary<string, HostileCase> Cases = new Dictionary<string, HostileCase>
    {
        // Not JSON, or JSON of the wrong shape: nothing to keep.
        ["not JSON"] = Refused(_ => "hello"),
        ["an empty body"] = Refused(_ => ""),
        ["only whitespace"] = Refused(_ => " \r\n\t "),
        ["a JSON array"] = Refused(_ => "[]"),
        ["a JSON array holding a push"] = Refused(id => $"[{Status("callout", id)}]"),
        ["a JSON string"] = Refused(_ => "\"callout\""),
        ["a JSON number"] = Refused(_ => "42"),
        ["JSON true"] = Refused(_ => "true"),
        ["JSON null"] = Refused(_ => "null"),
        ["an empty object"] = Refused(_ => "{}"),
        ["an object without the envelope"] = Refused(id => $$"""{"sessionId":"{{id}}","timestamp":"2019-01-24 03:04:24"}"""),
        ["a push followed by garbage"] = Refused(id => Status("callout", id) + "xyz"),
        ["two pushes back to back"] = Refused(id => Status("callout", id) + Status("alerting", id)),
        ["a push cut short"] = Refused(id => Status("callout", id)[..^2]),
        ["a comment in the JSON"] = Refused(id => Status("callout", id).Replace("{\"eventType\"", "{/* hi */\"eventType\"", StringComparison.Ordinal)),
        ["a trailing comma"] = Refused(id => Status("callout", id)[..^2] + ",}}"),
        ["single-quoted strings"] = Refused(id => Status("callout", id).Replace('"', '\'')),
        ["a NaN literal"] = Refused(id => Status("disconnect", id, "\"stateCode\":NaN")),
        ["invalid UTF-8 in a string"] = new(id => [.. Utf8(Status("callout", id)[..^2] + ",\"caller\":\""), 0xff, 0xfe, .. Utf8("\"}}")], HttpStatusCode.BadRequest),
        ["an overlong UTF-8 encoding of '/'"] = new(id => [.. Utf8(Status("callout", id)[..^2] + ",\"caller\":\""), 0xc0, 0xaf, .. Utf8("\"}}")], HttpStatusCode.BadRequest),
        ["a UTF-16 body"] = new(id => [0xff, 0xfe, .. Encoding.Unicode.GetBytes(Status("callout", id))], HttpStatusCode.BadRequest),
        ["10,000 nested arrays"] = Refused(id => Status("callout", id, $"\"x\":{Nested(10_000, '[', ']')}")),
        ["10,000 nested objects"] = Refused(id => Status("callout", id, $"\"x\":{NestedObjects(10_000)}")),
        ["65 levels of nesting, one over the limit"] = Refused(id => Status("callout", id, $"\"x\":{Nested(63, '[', ']')}")),

        // No usable eventType.
        ["no eventType"] = Refused(id => Status("callout", id).Replace("\"eventType\":\"callout\",", "", StringComparison.Ordinal)),
        ["an empty eventType"] = Refused(id => Status("", id)),
        ["eventType null"] = Refused(id => Status("callout", id).Replace("\"callout\"", "null", StringComparison.Ordinal)),
        ["eventType a number"] = Refused(id => Status("callout", id).Replace("\"callout\"", "5", StringComparison.Ordinal)),
        ["eventType an object"] = Refused(id => Status("callout", id).Replace("\"callout\"", "{\"a\":\"callout\"}", StringComparison.Ordinal)),
        ["eventType spelled EventType"] = Refused(id => Status("callout", id).Replace("\"eventType\"", "\"EventType\"", StringComparison.Ordinal)),
        ["eventType of 257 characters"] = Refused(id => Status(new string('e', 257), id)),
        ["eventType with a NUL"] = Refused(id => Status("call\\u0000out", id)),
        ["eventType a lone surrogate"] = Refused(id => Status("\\uD800", id)),
        ["eventType fee on the last of two eventType keys, with no feeLst"] = Refused(id => Status("callout", id).Replace("\"eventType\":\"callout\"", "\"eventType\":\"callout\",\"eventType\":\"fee\"", StringComparison.Ordinal)),

        // A status push with no usable statusInfo or sessionId.
        ["no statusInfo"] = Refused(_ => "{\"eventType\":\"callout\"}"),
        ["statusInfo null"] = Refused(_ => "{\"eventType\":\"callout\",\"statusInfo\":null}"),
        ["statusInfo a string"] = Refused(id => $$"""{"eventType":"callout","statusInfo":"{{id}}"}"""),
        ["statusInfo an array"] = Refused(id => $$"""{"eventType":"callout","statusInfo":[{"sessionId":"{{id}}"}]}"""),
        ["no sessionId"] = Refused(id => Status("callout", id).Replace($"\"sessionId\":\"{id}\",", $"\"userData\":\"{id}\",", StringComparison.Ordinal)),
        ["sessionId spelled sessionid"] = Refused(id => Status("callout", id).Replace("\"sessionId\"", "\"sessionid\"", StringComparison.Ordinal)),
        ["an empty sessionId"] = Refused(id => Status("callout", "", $"\"userData\":\"{id}\"")),
        ["sessionId null"] = Refused(id => Status("callout", id).Replace($"\"{id}\"", "null", StringComparison.Ordinal)),
        ["sessionId a number"] = Refused(_ => Status("callout", "x").Replace("\"x\"", "12345", StringComparison.Ordinal)),
        ["sessionId an object"] = Refused(id => Status("callout", id).Replace($"\"{id}\"", $"{{\"id\":\"{id}\"}}", StringComparison.Ordinal)),
        ["sessionId an array"] = Refused(id => Status("callout", id).Replace($"\"{id}\"", $"[\"{id}\"]", StringComparison.Ordinal)),
        ["sessionId of 257 characters"] = Refused(id => Status("callout", id.PadRight(257, 'x'))),
        ["sessionId with a NUL"] = Refused(id => Status("callout", id + "\\u0000")),
        ["sessionId with a line feed"] = Refused(id => Status("callout", id + "\\n")),
        ["sessionId a lone surrogate"] = Refused(id => Status("callout", id + "\\uDC00")),
        ["sessionId '.', which no URL can address"] = Refused(id => Status("callout", ".", $"\"userData\":\"{id}\"")),
        ["sessionId '..', which no URL can address"] = Refused(id => Status("callout", "..", $"\"userData\":\"{id}\"")),
        ["userData of 257 characters"] = Refused(id => Status("callout", id, $"\"userData\":\"{id.PadRight(257, 'u')}\"")),
        ["userData a number of 257 digits"] = Refused(id => Status("callout", id, $"\"userData\":{new string('7', 257)}")),
        ["userData with a control character"] = Refused(id => Status("callout", id, "\"userData\":\"order\\u0007\"")),

        // A fee push whose feeLst cannot be kept: nothing of the batch is stored, not even its good CDRs.
        ["eventType fee with a statusInfo and no feeLst"] = Refused(id => $$$"""{"eventType":"fee","statusInfo":{"sessionId":"{{{id}}}"}}"""),
        ["no feeLst"] = Refused(_ => "{\"eventType\":\"fee\"}"),
        ["feeLst null"] = Refused(_ => "{\"eventType\":\"fee\",\"feeLst\":null}"),
        ["feeLst an object"] = Refused(id => $$"""{"eventType":"fee","feeLst":{{Cdr(id)}}}"""),
        ["feeLst a string"] = Refused(id => $$"""{"eventType":"fee","feeLst":"{{id}}"}"""),
        ["0 CDRs"] = Refused(_ => Fee()),
        ["51 CDRs"] = Refused(id => Fee([.. Enumerable.Range(0, 51).Select(i => Cdr($"{id}-{i}"))])),
        ["a CDR that is null"] = Refused(id => Fee(Cdr(id), "null")),
        ["a batch with one CDR that is not an object"] = Refused(id => Fee(Cdr(id), "5")),
        ["a batch with one CDR that is an array"] = Refused(id => Fee(Cdr(id), $"[{Cdr(id + "-2")}]")),
        ["a batch with one CDR without sessionId"] = Refused(id => Fee(Cdr(id), Cdr(id + "-2").Replace("\"sessionId\"", "\"session\"", StringComparison.Ordinal))),
        ["a batch with one CDR with an empty sessionId"] = Refused(id => Fee(Cdr(id), Cdr(""))),
        ["a batch with one CDR whose sessionId is a number"] = Refused(id => Fee(Cdr(id), Cdr("x").Replace("\"x\"", "42", StringComparison.Ordinal))),
        ["a batch with one CDR whose sessionId is too long"] = Refused(id => Fee(Cdr(id), Cdr((id + "-2").PadRight(257, 'x')))),
        ["a batch with one CDR whose sessionId holds a NUL"] = Refused(id => Fee(Cdr(id), Cdr(id + "-2\\u0000"))),
        ["a batch with one CDR whose userData is too long"] = Refused(id => Fee(Cdr(id), Cdr(id + "-2", $"\"userData\":\"{new string('u', 257)}\""))),
        ["a batch of 50 whose last CDR has no sessionId"] = Refused(id => Fee([.. Enumerable.Range(0, 49).Select(i => Cdr($"{id}-{i}")), "{\"callEndTime\":\"2019-01-24 03:04:49\"}"])),

        // Too large: 413, read or not.
        ["a body of 1 MiB + 1 byte with its length announced"] = new(id => Padded(id, Limit + 1), HttpStatusCode.RequestEntityTooLarge, Send: Send.ExpectContinue),
        ["a body of 1.5 MiB sent chunked"] = new(id => Padded(id, Limit * 3 / 2), HttpStatusCode.RequestEntityTooLarge, Send: Send.Chunked),

        // Kept as sent.
        ["a well-formed push"] = Kept(id => Status("callout", id)),
        ["a body of exactly 1 MiB"] = new(id => Padded(id, Limit), HttpStatusCode.OK),
        ["a body of 1 MiB sent chunked"] = new(id => Padded(id, Limit), HttpStatusCode.OK, Send: Send.Chunked),
        ["no Content-Type"] = new(id => Utf8(Status("callout", id)), HttpStatusCode.OK, Send: Send.NoContentType),
        ["Content-Type text/plain"] = new(id => Utf8(Status("callout", id)), HttpStatusCode.OK, Send: Send.TextPlain),
        ["a UTF-8 byte order mark before the JSON"] = new(id => [0xef, 0xbb, 0xbf, .. Utf8(Status("callout", id))], HttpStatusCode.OK),
        ["whitespace around the JSON"] = Kept(id => "\r\n  " + Status("callout", id) + "\n\n"),
        ["an unknown eventType"] = Kept(id => Status("callin", id), "eventType"),
        ["an eventType of 256 characters"] = Kept(id => Status(new string('e', 256), id), "eventType"),
        ["eventType callout on the last of two eventType keys"] = Kept(id => Status("callout", id).Replace("\"eventType\":\"callout\"", "\"eventType\":\"fee\",\"eventType\":\"callout\"", StringComparison.Ordinal)),
        ["unknown fields"] = Kept(id => Status("callout", id, "\"endToEndID\":\"e2e\",\"mptyId\":{\"x\":[1,2]},\"origCalleeNum\":null")),
        ["a status push carrying a feeLst too"] = Kept(id => Status("callout", id)[..^1] + $",\"feeLst\":[{Cdr(id + "-fee")}]}}"),
        ["64 levels of nesting, at the limit"] = Kept(id => Status("callout", id, $"\"x\":{Nested(62, '[', ']')}")),
        ["a CDR with 61 nested arrays, at the limit"] = Kept(id => Fee(Cdr(id, $"\"x\":{Nested(61, '[', ']')}"))),
        ["a sessionId of 256 characters"] = Kept(id => Status("callout", id.PadRight(256, 'x'))),
        ["a sessionId of 256 non-ASCII characters"] = Kept(id => Status("callout", id.PadRight(256, '语'))),
        ["a sessionId with '/', '?', '#', '%' and spaces"] = Kept(id => Status("callout", id + "/../a b?c#d%e")),
        ["a sessionId with an emoji"] = Kept(id => Status("callout", id + "\\uD83D\\uDE00")),
        ["a sessionId with surrounding spaces"] = Kept(id => Status("callout", "  " + id + "  ")),
        ["a sessionId on the last of two sessionId keys"] = Kept(id => Status("callout", id).Replace($"\"sessionId\":\"{id}\"", $"\"sessionId\":\"{id}-first\",\"sessionId\":\"{id}\"", StringComparison.Ordinal)),
        ["two timestamp keys"] = Kept(id => Status("alerting", id, "\"timestamp\":\"2019-01-24 03:04:25\"")),
        ["a userData of 256 characters"] = Kept(id => Status("callout", id, $"\"userData\":\"{id.PadRight(256, 'u')}\"")),
        ["a userData with braces"] = Kept(id => Status("callout", id, "\"userData\":\"{order}\"")),
        ["a userData that is a short number"] = Kept(id => Status("callout", id, "\"userData\":20190124")),
        ["a timestamp with runs of spaces"] = Kept(id => Status("callout", id, "\"timestamp\":\" 2019-01-24   03:04:24 \"")),
        ["stateCode -0"] = Kept(id => Status("disconnect", id, "\"stateCode\":-0")),
        ["stateCode as a numeric string"] = Kept(id => Status("disconnect", id, "\"stateCode\":\"8001\"")),
        ["times at the ends of the calendar"] = Kept(id => Fee(Cdr(id, "\"callOutAnswerTime\":\"0001-01-01 00:00:00\",\"callEndTime\":\"9999-12-31 23:59:59\""))),
        ["a batch of 50 CDRs"] = Kept(id => Fee([.. Enumerable.Range(0, 50).Select(i => Cdr($"{id}-{i}"))])),
        ["a batch with one CDR twice"] = Kept(id => Fee(Cdr(id), Cdr(id))),
        ["a batch with two different CDRs of one call"] = Kept(id => Fee(Cdr(id), Cdr(id, "\"callOutUnaswRsn\":17"))),
    }.Concat(WrongTypeCases()).ToDictionary();

    public static TheoryData<string, string> CasesOnEveryPath()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys)
            foreach (var path in Paths)
                data.Add(name, path);
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesOnEveryPath))]
    public async Task A_hostile_push_gets_the_contracts_answer_and_never_a_5xx_or_a_half_stored_push(string name, string path)
    {
        var hostile = Cases[name];
        var id = $"hostile-{Guid.NewGuid():N}";
        var body = hostile.Body(id);

        using var response = await api.Client.SendAsync(Request(path, body, hostile.Send));

        Assert.Equal(hostile.Expected, response.StatusCode);
        if (hostile.Expected == HttpStatusCode.OK)
        {
            Assert.Equal("""{"resultcode":"0","resultdesc":"Success"}""", await response.Content.ReadAsStringAsync());
            await AssertEveryItemStoredAsync(body, hostile);
        }
        else
        {
            await ProblemResponse.AssertAsync(response, hostile.Expected);
            await AssertNothingStoredAsync(body);
        }
    }

    private static HttpRequestMessage Request(string path, byte[] body, Send send)
    {
        HttpContent content = send == Send.Chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = send switch
        {
            Send.NoContentType => null,
            Send.TextPlain => new MediaTypeHeaderValue("text/plain"),
            _ => new MediaTypeHeaderValue("application/json") { CharSet = "UTF-8" },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (send == Send.Chunked) request.Headers.TransferEncodingChunked = true;
        // Kestrel answers 413 from Content-Length before reading; 100-continue keeps the upload from racing that answer.
        if (send == Send.ExpectContinue) request.Headers.ExpectContinue = true;
        return request;
    }

    /// <summary>Every item of the push (the status push whole, or each CDR) is in its session's /events exactly as sent.</summary>
    private async Task AssertEveryItemStoredAsync(byte[] body, HostileCase hostile)
    {
        using var push = JsonDocument.Parse(body.AsMemory(body.AsSpan().StartsWith((byte[])[0xef, 0xbb, 0xbf]) ? 3 : 0), new JsonDocumentOptions { MaxDepth = 64 });
        var root = push.RootElement;
        List<JsonElement> items = root.GetProperty("eventType").GetString() == "fee" ? [.. root.GetProperty("feeLst").EnumerateArray()] : [root];
        foreach (var item in items)
        {
            var sessionId = (item.TryGetProperty("statusInfo", out var info) ? info : item).GetProperty("sessionId").GetString()!;
            var events = await EventBodiesAsync(sessionId);
            Assert.Contains(item.GetRawText(), events);

            using var view = JsonDocument.Parse(await api.Client.GetStringAsync(CallPath(sessionId)));
            var problems = view.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
            foreach (var field in hostile.Listed ?? [])
                Assert.True(problems.Any(p => Names(p, field)), $"'{field}' not among the problems: {string.Join(" / ", problems)}");
            foreach (var field in hostile.NotListed ?? [])
                Assert.False(problems.Any(p => Names(p, field)), $"'{field}' among the problems: {string.Join(" / ", problems)}");
        }
    }

    /// <summary>Whether a problem is about the field: problems read "field: 'value' is not ..." (or "eventType '...' is not known").</summary>
    private static bool Names(string problem, string field) =>
        problem.StartsWith(field + ":", StringComparison.Ordinal) || problem.StartsWith(field + " ", StringComparison.Ordinal);

    private async Task<IReadOnlyList<string>> EventBodiesAsync(string sessionId)
    {
        using var response = await api.Client.GetAsync(CallPath(sessionId) + "/events");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"events of '{sessionId}': {response.StatusCode}");
        using var events = JsonDocument.Parse(await response.Content.ReadAsStringAsync(), new JsonDocumentOptions { MaxDepth = 128 });
        return [.. events.RootElement.EnumerateArray().Select(e => e.GetProperty("body").GetRawText())];
    }

    /// <summary>
    /// No session named in the body (found by a plain scan, as the body may not parse) has a view, and no call lists
    /// it as its userData: the good CDRs of a refused batch included.
    /// </summary>
    private async Task AssertNothingStoredAsync(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        foreach (var id in IdPattern().Matches(text).Select(m => m.Value).Distinct().Take(120))
        {
            using var view = await api.Client.GetAsync(CallPath(id));
            Assert.True(view.StatusCode != HttpStatusCode.OK, $"refused, yet '{id}' has a view");
            Assert.True((int)view.StatusCode < 500, $"view of '{id}': {view.StatusCode}");
            using var list = JsonDocument.Parse(await api.Client.GetStringAsync($"/v1/calls?userData={Uri.EscapeDataString(id)}"));
            Assert.Equal(0, list.RootElement.GetProperty("items").GetArrayLength());
        }
    }

    private static string CallPath(string sessionId) => $"/v1/calls/{Uri.EscapeDataString(sessionId)}";

    [GeneratedRegex("hostile-[0-9a-f]{32}[^\"\\\\]{0,300}")]
    private static partial Regex IdPattern();
}

[Collection(ApiCollection.Name)]
public sealed class HostileInputTests(ApiFixture api) : HostileInputContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class HostileInputTestsOnPostgres(PostgresApiFixture api) : HostileInputContract(api);
