using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;

namespace CallGrains.Sessions;

/// <summary>
/// Catching up with pending entries: items another node journaled for this session without its grain
/// (<see cref="IPendingJournal"/>). Each is stored exactly as if its push had reached the grain, so versions stay
/// 1..n per session and the view is the one the pushes make in any order (the fold is order-free).
/// </summary>
public sealed partial class CallSessionGrain
{
    public async Task<int> CatchUpAsync()
    {
        var entries = await StoreGuard.RunAsync(() => reader.ReadSessionAsync(_sessionId), logger, _sessionId);
        return await FoldPendingAsync(entries);
    }

    /// <summary>
    /// An activation finishes what a dead silo or a drainer left: the pending entries it read. A failure here leaves the
    /// activation serving what it holds (every fold it did is committed); the sweep asks it again.
    /// </summary>
    private async Task CatchUpOnActivationAsync(IReadOnlyList<JournalEntry> entries)
    {
        if (entries.All(e => e.Projected)) return;
        try
        {
            await FoldPendingAsync(entries);
        }
        catch (StoreUnavailableException ex)
        {
            LogCatchUpFailed(logger, ex, _sessionId);
        }
    }

    /// <summary>The pending entries in journal (arrival) order, each through the push's own path; returns how many raised the version.</summary>
    private async Task<int> FoldPendingAsync(IReadOnlyList<JournalEntry> entries)
    {
        var folded = 0;
        foreach (var entry in entries)
        {
            if (entry.Projected) continue;
            var reading = ItemReading.Of(entry.Item);
            if (_itemKeys.Contains(KeyHash(reading.Key)))
            {
                await SettleAsync(entry);
                continue;
            }
            var version = _facts.Version;
            await StoreAsync(entry.Item, reading, entry.ItemKey, UpdatedBy(entry.Item));
            if (_facts.Version > version) folded++;
        }
        return folded;
    }

    /// <summary>
    /// A pending entry whose key this activation already holds: it is only marked projected. No version, no change; the
    /// calls row is written as it stands (an append always carries one, and a row never replaces a newer version).
    /// </summary>
    private async Task SettleAsync(JournalEntry entry)
    {
        var view = CallRendering.View(_facts) with { UpdatedAt = _updatedAt };
        var row = CallRow.Of(view, _firstReceivedAt, ViewJson.Of(view));
        var settled = entry with { ChangedView = false, Folded = true, Projected = true };
        await StoreGuard.RunAsync(() => journal.AppendAsync(new CallAppend(settled, row, ChangeType: null)), logger, _sessionId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {SessionId} activated without catching up its pending items; the sweep will ask again")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception, string sessionId);
}
