using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.PushSimulator;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// Checks that a fault left no trace in what readers see: every call's view, its row in the list and its changes in the
/// feed are what folding the items the service acknowledged gives, as if the service had taken each push at once.
/// Compared: everything the fold decides. Not compared: when an item arrived or was read (<c>updatedAt</c>, the stuck
/// flags), the request (registered elsewhere), and numbers and digits (masked by configuration).
/// </summary>
internal sealed class AsIfNothingHappened(HttpClient http)
{
    private static readonly string[] NotCompared = ["updatedat", "cdroverdue", "stale", "request"];
    private static readonly string[] Masked = ["number", "num", "caller", "called", "digit"];

    public async Task<Differences> CheckAsync(IReadOnlyList<CallLedger> calls)
    {
        var expected = calls.Where(c => c.AcknowledgedItems.Any())
            .ToDictionary(c => c.Call.SessionId, c => Fold(c.Call.SessionId, c.AcknowledgedItems), StringComparer.Ordinal);
        var examples = new List<string>();
        void Note(string example)
        {
            if (examples.Count < 5) examples.Add(example);
        }

        var views = 0;
        await Parallel.ForEachAsync(expected, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (call, ct) =>
        {
            using var response = await http.GetAsync($"v1/calls/{Uri.EscapeDataString(call.Key)}", ct);
            var actual = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) : null;
            if (Same(actual, call.Value)) return;
            Interlocked.Increment(ref views);
            lock (examples) Note($"view of {call.Key}: {(int)response.StatusCode} {Shown(actual)}, expected {Shown(call.Value)}");
        });

        var rows = await ListAsync();
        var rowsWrong = expected.Count(call => !rows.TryGetValue(call.Key, out var row) || !Same(row, call.Value));
        foreach (var call in expected.Where(call => !rows.TryGetValue(call.Key, out var row) || !Same(row, call.Value)).Take(2))
            Note($"list row of {call.Key}: {Shown(rows.GetValueOrDefault(call.Key))}");

        var feed = await FeedAsync();
        var changesWrong = 0;
        foreach (var (session, view) in expected)
        {
            var changes = feed.GetValueOrDefault(session) ?? [];
            var versions = changes.Select(c => c.Version).Order().ToList();
            var last = changes.OrderBy(c => c.Version).LastOrDefault().Call;
            if (versions.SequenceEqual(Enumerable.Range(1, view.Version)) && Same(last, view)) continue;
            changesWrong++;
            Note($"changes of {session}: versions [{string.Join(',', versions)}], expected 1..{view.Version}");
        }
        return new Differences(expected.Count, views, rowsWrong, changesWrong, examples);
    }

    /// <summary>The view the fold makes of the acknowledged items: a status push whole, a CDR as a fee push of one.</summary>
    private static CallView Fold(string sessionId, IEnumerable<string> items)
    {
        var facts = CallFacts.Empty(sessionId);
        foreach (var item in items)
        {
            var body = item.Contains("\"statusInfo\"", StringComparison.Ordinal) ? item : "{\"eventType\":\"fee\",\"feeLst\":[" + item + "]}";
            var parsed = PushEnvelope.Parse(Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow);
            foreach (var pushItem in parsed.Items ?? throw new InvalidOperationException($"an acknowledged item does not parse: {parsed.Rejection}"))
                facts = CallFold.Add(facts, ItemReading.Of(pushItem));
        }
        return CallRendering.View(facts);
    }

    private static bool Same(JsonNode? actual, CallView expected) =>
        actual is not null && JsonNode.DeepEquals(Compared(actual), Compared(JsonSerializer.SerializeToNode(expected, CallJson.Options)));

    private static JsonNode? Compared(JsonNode? node)
    {
        switch (node?.DeepClone())
        {
            case JsonObject json:
                foreach (var name in json.Select(p => p.Key).ToList())
                {
                    var lower = name.ToLowerInvariant();
                    if (NotCompared.Contains(lower) || Masked.Any(lower.Contains)) json.Remove(name);
                    else json[name] = Compared(json[name]);
                }
                return json;
            case JsonArray array:
                return new JsonArray([.. array.Select(Compared)]);
            case var other:
                return other;
        }
    }

    private static string Shown(JsonNode? node) => node is null ? "none" : Compared(node)!.ToJsonString();

    private static string Shown(CallView view) => Shown(JsonSerializer.SerializeToNode(view, CallJson.Options));

    /// <summary>Every call's row, paged to the list's end.</summary>
    private async Task<Dictionary<string, JsonNode>> ListAsync()
    {
        var rows = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = JsonNode.Parse(await http.GetStringAsync("v1/calls?limit=500" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))))!;
            foreach (var row in page["items"]!.AsArray()) rows[row!["sessionId"]!.GetValue<string>()] = row.DeepClone();
            cursor = page["next"]?.GetValue<string>();
        }
        while (cursor is not null);
        return rows;
    }

    /// <summary>Every change in the feed, by session.</summary>
    private async Task<Dictionary<string, List<(int Version, JsonNode? Call)>>> FeedAsync()
    {
        var changes = new Dictionary<string, List<(int, JsonNode?)>>(StringComparer.Ordinal);
        long after = 0;
        while (true)
        {
            var page = JsonNode.Parse(await http.GetStringAsync($"v1/changes?after={after}&limit=500"))!;
            var items = page["items"]!.AsArray();
            if (items.Count == 0) return changes;
            foreach (var change in items)
            {
                var session = change!["sessionId"]!.GetValue<string>();
                if (!changes.TryGetValue(session, out var list)) changes[session] = list = [];
                list.Add((change["version"]!.GetValue<int>(), change["call"]?.DeepClone()));
            }
            after = page["next"]!.GetValue<long>();
        }
    }
}

/// <summary>How many calls differ from the fold of what was acknowledged, in each place a reader looks.</summary>
internal sealed record Differences(int Calls, int Views, int ListRows, int Changes, IReadOnlyList<string> Examples)
{
    public bool None => Views == 0 && ListRows == 0 && Changes == 0;

    public override string ToString() =>
        $"calls {Calls}: views differing {Views}, list rows {ListRows}, changes {Changes}" +
        (Examples.Count > 0 ? "; e.g. " + string.Join("; ", Examples) : "");
}
