using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace CallGrains.PushSimulator;

/// <summary>
/// Checks the promise behind every 200: each acknowledged item is in the call's journal exactly as sent,
/// and each call whose CDR was acknowledged is final with the outcome its scenario implies.
/// </summary>
public sealed class Verifier(HttpClient http, int concurrency)
{
    public async Task<VerificationFigures> VerifyAsync(IReadOnlyList<CallLedger> calls, CancellationToken cancellationToken)
    {
        var missingItems = 0L;
        var wrongOutcome = 0L;
        var notFinal = 0L;
        var checkedCalls = 0L;
        var checkedItems = 0L;
        var examples = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(calls.Where(c => c.AcknowledgedItems.Any()),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (ledger, ct) =>
            {
                Interlocked.Increment(ref checkedCalls);
                var id = Uri.EscapeDataString(ledger.Call.SessionId);
                var stored = await StoredItemsAsync($"v1/calls/{id}/events", ct);
                var acknowledged = ledger.AcknowledgedItems.ToList();
                Interlocked.Add(ref checkedItems, acknowledged.Count);
                var missing = acknowledged.Count(item => !stored.Contains(item));
                if (missing > 0)
                {
                    Interlocked.Add(ref missingItems, missing);
                    if (examples.Count < 5) examples.Enqueue($"{ledger.Call.SessionId}: {missing} acknowledged item(s) missing");
                }
                if (!ledger.CdrAcknowledged) return;
                using var view = await GetJsonAsync($"v1/calls/{id}", ct);
                var final = view?.RootElement.GetProperty("final").GetBoolean() ?? false;
                var outcome = view?.RootElement.GetProperty("outcome").GetString();
                if (!final) Interlocked.Increment(ref notFinal);
                if (outcome != ledger.Call.Scenario.ExpectedOutcome())
                {
                    Interlocked.Increment(ref wrongOutcome);
                    if (examples.Count < 5) examples.Enqueue($"{ledger.Call.SessionId} ({ledger.Call.Scenario}): outcome {outcome ?? "null"}, expected {ledger.Call.Scenario.ExpectedOutcome()}");
                }
            });
        return new VerificationFigures(checkedCalls, checkedItems, missingItems, notFinal, wrongOutcome, [.. examples]);
    }

    private async Task<HashSet<string>> StoredItemsAsync(string path, CancellationToken cancellationToken)
    {
        using var events = await GetJsonAsync(path, cancellationToken);
        return events is null
            ? []
            : events.RootElement.EnumerateArray().Select(e => e.GetProperty("body").GetRawText()).ToHashSet(StringComparer.Ordinal);
    }

    private async Task<JsonDocument?> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }
}

public sealed record VerificationFigures(
    long CallsChecked, long AcknowledgedItems, long MissingItems, long NotFinal, long WrongOutcome, IReadOnlyList<string> Examples)
{
    public long FoundItems => AcknowledgedItems - MissingItems;

    public bool Passed => MissingItems == 0 && NotFinal == 0 && WrongOutcome == 0;
}
