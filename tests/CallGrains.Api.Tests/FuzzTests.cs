using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CallGrains.Tests.Shared;
using Xunit.Abstractions;

namespace CallGrains.Api.Tests;

/// <summary>
/// The real sample pushes (and fee pushes merging several of their CDRs, as the platform batches them), mutated at
/// random from one seed, so a failure replays: byte flips, truncation, invalid UTF-8, removed and renamed fields,
/// type swaps, extreme values, duplicated keys, deep nesting. Whatever arrives, on whichever push path:
/// <list type="bullet">
/// <item>never a 5xx, and every 4xx is a problem;</item>
/// <item>a 200 means every item of the push is stored: each is in its session's <c>/events</c> exactly as sent;</item>
/// <item>a 400 means none is: no session named in the push has a view;</item>
/// <item>the service keeps answering <c>/health/live</c> throughout.</item>
/// </list>
/// </summary>
public abstract partial class FuzzContract(ApiFixture api, ITestOutputHelper output)
{
    private const int Seed = 20261125;
    private const int Workers = 4;
    private static readonly string[] Paths = ["/v1/huawei/status", "/v1/huawei/fee", "/v1/huawei/events"];
    private static readonly JsonDocumentOptions ServiceReading = new() { MaxDepth = 64 };

    protected abstract int Cases { get; }

    /// <summary>One generated case: everything needed to replay it by hand.</summary>
    private sealed record FuzzCase(int Index, string Origin, string Mutation, string Path, byte[] Body);

    [Fact]
    public async Task Mutated_samples_never_get_a_5xx_and_are_stored_whole_or_not_at_all()
    {
        var random = new Random(Seed);
        var cases = Enumerable.Range(0, Cases).Select(i => Generate(i, random)).ToList();
        var answers = new ConcurrentDictionary<int, int>();
        var itemsVerified = 0;
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Workers }, async (fuzz, _) =>
        {
            var code = await SendAndCheckAsync(fuzz);
            answers.AddOrUpdate(code, 1, (_, n) => n + 1);
            if (code == 200) Interlocked.Add(ref itemsVerified, ItemsOf(fuzz.Body)!.Count);
            if (fuzz.Index % 250 == 0)
                Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync("/health/live")).StatusCode);
        });
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync("/health/live")).StatusCode);
        output.WriteLine($"{cases.Count} mutated pushes (seed {Seed}) in {clock.Elapsed.TotalSeconds:F1} s, {Workers} at a time; " +
                         $"answers {string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key}: {a.Value}"))}; " +
                         $"{itemsVerified} acknowledged items found in /events");
        output.WriteLine("mutations: " + string.Join(", ", cases.GroupBy(c => c.Mutation.Split(' ')[0]).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        Assert.True(answers.GetValueOrDefault(200) > 0 && answers.GetValueOrDefault(400) > 0, "the mutations should produce both answers");
    }

    private async Task<int> SendAndCheckAsync(FuzzCase fuzz)
    {
        var replay = $"case {fuzz.Index} (seed {Seed}): {fuzz.Mutation} of {fuzz.Origin} to {fuzz.Path}: " +
                     Encoding.UTF8.GetString(fuzz.Body[..Math.Min(fuzz.Body.Length, 400)]);
        using var content = new ByteArrayContent(fuzz.Body);
        content.Headers.ContentType = new("application/json");
        using var response = await api.Client.PostAsync(fuzz.Path, content);
        var code = (int)response.StatusCode;

        Assert.True(code is 200 or 400 or 413, $"{code} for {replay}");
        if (code == 200)
        {
            var items = ItemsOf(fuzz.Body);
            Assert.True(items is not null, $"acknowledged, yet not a push the service could have read: {replay}");
            foreach (var (sessionId, body) in items)
                Assert.True((await EventBodiesAsync(sessionId)).Contains(body), $"acknowledged, yet '{sessionId}' does not show the item: {replay}");
        }
        else
        {
            await ProblemResponse.AssertAsync(response, response.StatusCode);
            foreach (var sessionId in SessionPattern().Matches(Encoding.UTF8.GetString(fuzz.Body)).Select(m => m.Value).Distinct())
            {
                using var view = await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(sessionId)}");
                Assert.True(view.StatusCode == HttpStatusCode.NotFound, $"refused with {code}, yet '{sessionId}' answers {view.StatusCode}: {replay}");
            }
        }
        return code;
    }

    /// <summary>The items the service keeps for this body, read as it reads them: (sessionId, exact JSON text); null if it cannot.</summary>
    private static List<(string SessionId, string Body)>? ItemsOf(byte[] body)
    {
        var bytes = body.AsMemory();
        if (bytes.Span.StartsWith((byte[])[0xef, 0xbb, 0xbf])) bytes = bytes[3..];
        try
        {
            using var document = JsonDocument.Parse(bytes, ServiceReading);
            var root = document.RootElement;
            var fee = root.GetProperty("eventType").GetString() == "fee";
            List<JsonElement> items = fee ? [.. root.GetProperty("feeLst").EnumerateArray()] : [root];
            return [.. items.Select(i => ((fee ? i : i.GetProperty("statusInfo")).GetProperty("sessionId").GetString()!, i.GetRawText()))];
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    private async Task<HashSet<string>> EventBodiesAsync(string sessionId)
    {
        using var response = await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(sessionId)}/events");
        if (response.StatusCode != HttpStatusCode.OK) return [];
        using var events = JsonDocument.Parse(await response.Content.ReadAsStringAsync(), new JsonDocumentOptions { MaxDepth = 128 });
        return [.. events.RootElement.EnumerateArray().Select(e => e.GetProperty("body").GetRawText())];
    }

    // ---- Generation -------------------------------------------------------------------------------------------

    /// <summary>Values that break expectations, as raw JSON (some are not representable as .NET strings).</summary>
    private static readonly string[] Extremes =
    [
        "-1", "0", "-0", "1.5", "1e400", "-1e400", "9223372036854775808", "18446744073709551616", new string('9', 300),
        "\"\"", "\"   \"", "\".\"", "\"..\"", "\"\\u0000\"", "\"\\uD800\"", "\"\\uD83D\\uDE00\"", "\"\\u202E\\uFFFF\"",
        "\"2019-02-30 25:61:61\"", "\"0001-01-01 00:00:00\"", "\"9999-12-31 23:59:59\"", "\"abc\"", $"\"{new string('x', 256)}\"",
        $"\"{new string('x', 257)}\"", "true", "false", "null", "[]", "{}", "[[[[]]]]", "{\"a\":{\"b\":[1,{\"c\":null}]}}",
    ];

    private FuzzCase Generate(int index, Random random)
    {
        var (origin, push) = random.Next(4) == 0 ? MergedFeePush(random) : SamplePush(random);
        var path = Paths[random.Next(Paths.Length)];
        var (mutation, body) = Mutate(push, random);
        // One case in ten is mutated twice, when the first mutation left JSON that can be mutated again.
        if (random.Next(10) == 0 && Parses(body))
        {
            var (second, twice) = Mutate(Encoding.UTF8.GetString(body), random);
            (mutation, body) = ($"{mutation} + {second}", twice);
        }
        return new FuzzCase(index, origin, mutation, path, body);
    }

    private static (string Origin, string Push) SamplePush(Random random)
    {
        var name = SampleCall.Names[random.Next(SampleCall.Names.Count)];
        var call = SampleCall.Load(name, sessionId: NewSession(random), userData: NewSession(random) + "-order");
        var which = random.Next(call.Pushes.Count);
        return ($"{name} push {which}", call.Pushes[which]);
    }

    /// <summary>A fee push merging the CDRs of 2 to 50 sample calls, as the platform merges calls ending in the same second.</summary>
    private static (string Origin, string Push) MergedFeePush(Random random)
    {
        var count = random.Next(8) == 0 ? random.Next(2, 51) : random.Next(2, 6);
        var cdrs = Enumerable.Range(0, count).Select(_ =>
        {
            var call = SampleCall.Load(SampleCall.Names[random.Next(SampleCall.Names.Count)], sessionId: NewSession(random));
            return Raw(JsonNode.Parse(call.Pushes.Single(p => p.Contains("\"feeLst\"", StringComparison.Ordinal)))!["feeLst"]![0]);
        });
        return ($"a fee push of {count} merged CDRs", $"{{\"eventType\":\"fee\",\"feeLst\":[{string.Join(',', cdrs)}]}}");
    }

    private static string NewSession(Random random) => $"fuzz-{random.NextInt64():x16}{random.NextInt64():x16}";

    private static (string Mutation, byte[] Body) Mutate(string push, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(push);
        switch (random.Next(10))
        {
            case 0:
                var flips = random.Next(1, 4);
                for (var n = 0; n < flips; n++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return ($"byte-flips ({flips})", bytes);
            case 1:
                var at = random.Next(bytes.Length);
                return ($"truncation (at {at} of {bytes.Length})", bytes[..at]);
            case 2:
                var where = random.Next(bytes.Length);
                byte[] invalid = random.Next(3) switch { 0 => [0xff], 1 => [0xc0, 0xaf], _ => [0xed, 0xa0, 0x80] };
                return ($"invalid-utf8 (at {where})", [.. bytes[..where], .. invalid, .. bytes[where..]]);
            case 3:
                var number = random.Next(5) switch { 0 => "1e400", 1 => "-0", 2 => "18446744073709551616", 3 => "-1", _ => "1.5" };
                return ($"number-text ({number})", Encoding.UTF8.GetBytes(NumberPattern().Replace(push, number, 1 + random.Next(3), random.Next(push.Length))));
            default:
                return StructuralMutation(push, random);
        }
    }

    /// <summary>Changes one property of one object of the push; the result is written with raw fragments and duplicates allowed.</summary>
    private static (string Mutation, byte[] Body) StructuralMutation(string push, Random random)
    {
        var root = JsonNode.Parse(push)!;
        var objects = new List<JsonObject>();
        Collect(root, objects);
        var target = objects[random.Next(objects.Count)];
        if (target.Count == 0) return ("none (empty object)", Encoding.UTF8.GetBytes(push));
        var properties = target.ToList();
        var index = random.Next(properties.Count);
        var (name, value) = properties[index];
        var extreme = Extremes[random.Next(Extremes.Length)];

        // Each edit is a list of (name, raw JSON) replacing the chosen property; the other properties stay as they were.
        (string Kind, List<(string Name, string Raw)> Replacement) edit = random.Next(7) switch
        {
            0 => ($"removed {name}", []),
            1 => ($"extreme {name}={Shorten(extreme)}", [(name, extreme)]),
            2 => ($"type-swap {name}", [(name, SwapType(value))]),
            3 => ($"duplicate-key {name} first={Shorten(extreme)}", [(name, extreme), (name, Raw(value))]),
            4 => ($"duplicate-key {name} last={Shorten(extreme)}", [(name, Raw(value)), (name, extreme)]),
            5 => ($"renamed {name}", [(name.ToUpperInvariant(), Raw(value))]),
            _ => NestedDeep(name, random),
        };
        var replacements = new Dictionary<JsonObject, (int Index, List<(string Name, string Raw)> With)> { [target] = (index, edit.Replacement) };
        return (edit.Kind, Write(root, replacements));
    }

    private static (string, List<(string, string)>) NestedDeep(string name, Random random)
    {
        var depth = random.Next(55, 70);
        return ($"nested {name} {depth} deep", [(name, new string('[', depth) + new string(']', depth))]);
    }

    private static string SwapType(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() is var s && NumberPattern().IsMatch(s) && s.All(c => char.IsAsciiDigit(c) || c is '-' or '+')
            ? s.TrimStart('+')
            : $"[{v.ToJsonString()}]",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => $"\"{v.ToJsonString()}\"",
        JsonValue => "\"true\"",
        JsonArray a => a.Count > 0 ? Raw(a[0]) : "{}",
        JsonObject o => $"[{o.ToJsonString()}]",
        _ => "{}",
    };

    private static readonly JsonSerializerOptions AsSent = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Raw(JsonNode? node) => node?.ToJsonString(AsSent) ?? "null";

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..21] + "...";

    private static void Collect(JsonNode? node, List<JsonObject> objects)
    {
        if (node is JsonObject o)
        {
            objects.Add(o);
            foreach (var (_, v) in o) Collect(v, objects);
        }
        else if (node is JsonArray a)
        {
            foreach (var v in a) Collect(v, objects);
        }
    }

    private static byte[] Write(JsonNode root, Dictionary<JsonObject, (int Index, List<(string Name, string Raw)> With)> replacements)
    {
        var text = new StringBuilder();
        void Emit(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    text.Append('{');
                    var first = true;
                    var properties = o.ToList();
                    for (var i = 0; i < properties.Count; i++)
                    {
                        IEnumerable<(string Name, JsonNode? Node, string? Raw)> emitted = replacements.TryGetValue(o, out var r) && r.Index == i
                            ? r.With.Select(w => (w.Name, (JsonNode?)null, (string?)w.Raw))
                            : [(properties[i].Key, properties[i].Value, null)];
                        foreach (var (name, value, raw) in emitted)
                        {
                            if (!first) text.Append(',');
                            first = false;
                            text.Append(JsonSerializer.Serialize(name, AsSent)).Append(':');
                            if (raw is not null) text.Append(raw);
                            else Emit(value);
                        }
                    }
                    text.Append('}');
                    break;
                case JsonArray a:
                    text.Append('[');
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (i > 0) text.Append(',');
                        Emit(a[i]);
                    }
                    text.Append(']');
                    break;
                default:
                    text.Append(Raw(node));
                    break;
            }
        }
        Emit(root);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Whether the body is valid UTF-8 and JSON a <see cref="JsonNode"/> can hold (no duplicate keys, not too deep).</summary>
    private static bool Parses(byte[] body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body)) return false;
        try
        {
            var node = JsonNode.Parse(body);
            Collect(node, []);
            return node is not null;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex("-?[0-9]+")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("fuzz-[0-9a-f]{32}")]
    private static partial Regex SessionPattern();
}

[Collection(ApiCollection.Name)]
public sealed class FuzzTests(ApiFixture api, ITestOutputHelper output) : FuzzContract(api, output)
{
    protected override int Cases => 3000;
}

[Collection(PostgresApiCollection.Name)]
public sealed class FuzzTestsOnPostgres(PostgresApiFixture api, ITestOutputHelper output) : FuzzContract(api, output)
{
    protected override int Cases => 2000;
}
