using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CallGrains.Tests.Shared;
using Xunit.Abstractions;

namespace CallGrains.Api.Tests;

/// <summary>
/// The real sample pushes, mutated at random (seeded, so a failure replays): byte flips, truncation, removed
/// fields, swapped types, extreme values, duplicated keys. Whatever arrives: never a 5xx, the service keeps
/// answering, a 200 means every item of the push is stored, and a 400 means none is.
/// </summary>
public abstract partial class FuzzContract(ApiFixture api, ITestOutputHelper output)
{
    protected abstract int Mutations { get; }

    [Fact]
    public async Task Mutated_samples_never_get_a_5xx_and_are_stored_whole_or_not_at_all()
    {
        var random = new Random(20261125);
        var answers = new SortedDictionary<int, int>();
        var started = DateTime.UtcNow;
        for (var i = 0; i < Mutations; i++)
        {
            var name = SampleCall.Names[random.Next(SampleCall.Names.Count)];
            var call = SampleCall.Load(name, sessionId: $"fuzz-{Guid.NewGuid():N}");
            var push = call.Pushes[random.Next(call.Pushes.Count)];
            var (kind, body) = Mutate(push, random);
            var path = push.Contains("\"feeLst\"", StringComparison.Ordinal) ? "/v1/huawei/fee" : "/v1/huawei/status";

            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var response = await api.Client.PostAsync(path, content);
            var code = (int)response.StatusCode;
            answers[code] = answers.GetValueOrDefault(code) + 1;

            var replay = $"mutation {i} ({kind}) of {name}: {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 300)]}";
            Assert.True(code is 200 or 400 or 413, $"{code} for {replay}");
            var stored = await StoredAsync(call.SessionId);
            if (code == 200 && MentionsSessionIntact(body, call.SessionId)) Assert.True(stored, $"acknowledged but not stored: {replay}");
            if (code != 200) Assert.False(stored, $"refused but stored: {replay}");
        }
        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync("/health/live")).StatusCode);
        output.WriteLine($"{Mutations} mutations in {(DateTime.UtcNow - started).TotalSeconds:F1} s; answers {string.Join(", ", answers.Select(a => $"{a.Key}: {a.Value}"))}");
    }

    /// <summary>Whether the body still names the session as the only sessionId (a mutation may have changed or removed it).</summary>
    private static bool MentionsSessionIntact(byte[] body, string sessionId)
    {
        try
        {
            var root = JsonNode.Parse(body);
            var items = root?["feeLst"] is JsonArray list ? list.ToList() : [root?["statusInfo"]];
            return items.All(i => i is JsonObject o && o["sessionId"] is JsonValue v && v.TryGetValue<string>(out var s) && s == sessionId);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private async Task<bool> StoredAsync(string sessionId)
    {
        using var response = await api.Client.GetAsync($"/v1/calls/{Uri.EscapeDataString(sessionId)}");
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"view of {sessionId}: {response.StatusCode}");
        return response.StatusCode == HttpStatusCode.OK;
    }

    private static readonly JsonNode?[] Extremes =
    [
        JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(long.MaxValue), JsonValue.Create(double.MaxValue), JsonValue.Create(""),
        JsonValue.Create(new string('9', 300)), JsonValue.Create("\u0000"), JsonValue.Create("2019-02-30 25:61:61"),
        JsonValue.Create("   "), JsonValue.Create(true), null, new JsonArray(), new JsonObject(), JsonValue.Create("\uFFFF\u202E"),
    ];

    private static (string Kind, byte[] Body) Mutate(string push, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(push);
        switch (random.Next(7))
        {
            case 0:
                for (var n = random.Next(1, 4); n > 0; n--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return ("byte flips", bytes);
            case 1:
                return ("truncation", bytes[..random.Next(bytes.Length)]);
            case 2:
                return ("number text", Encoding.UTF8.GetBytes(NumberPattern().Replace(push, _ => random.Next(3) switch { 0 => "1e400", 1 => "-0", _ => "18446744073709551616" }, 1, random.Next(push.Length / 2))));
            case 3:
                return ("duplicate key", Encoding.UTF8.GetBytes(push.Replace("\"sessionId\"", "\"sessionId\":\"other\",\"sessionId\"", StringComparison.Ordinal)));
            default:
                var root = JsonNode.Parse(push)!;
                var target = RandomObject(root, random);
                if (target.Count == 0) return ("no field", bytes);
                var field = target.ElementAt(random.Next(target.Count)).Key;
                var kind = random.Next(3);
                if (kind == 0) target.Remove(field);
                else target[field] = Extremes[random.Next(Extremes.Length)]?.DeepClone();
                return (kind == 0 ? $"removed {field}" : $"replaced {field}", Encoding.UTF8.GetBytes(root.ToJsonString()));
        }
    }

    private static JsonObject RandomObject(JsonNode root, Random random)
    {
        var objects = new List<JsonObject>();
        void Walk(JsonNode? node)
        {
            if (node is JsonObject o) { objects.Add(o); foreach (var (_, v) in o) Walk(v); }
            else if (node is JsonArray a) foreach (var v in a) Walk(v);
        }
        Walk(root);
        return objects[random.Next(objects.Count)];
    }

    [GeneratedRegex("-?[0-9]+")]
    private static partial Regex NumberPattern();
}

[Collection(ApiCollection.Name)]
public sealed class FuzzTests(ApiFixture api, ITestOutputHelper output) : FuzzContract(api, output)
{
    protected override int Mutations => 3000;
}

[Collection(PostgresApiCollection.Name)]
public sealed class FuzzTestsOnPostgres(PostgresApiFixture api, ITestOutputHelper output) : FuzzContract(api, output)
{
    protected override int Mutations => 2000;
}
