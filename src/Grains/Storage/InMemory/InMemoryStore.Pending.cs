using CallGrains.Domain.Pushes;

namespace CallGrains.Storage.InMemory;

/// <summary>Pending items (<see cref="IPendingJournal"/>) in memory, under the store's one lock like every other write.</summary>
public sealed partial class InMemoryStore : IPendingJournal
{
    // Sessions holding pending entries, with when their first one came (a counter): the sweep asks oldest first.
    private readonly Dictionary<string, long> _pendingSessions = new(StringComparer.Ordinal);
    private long _pendingArrivals;

    public Task AppendPendingAsync(IReadOnlyList<PushItem> items, CancellationToken cancellationToken = default)
    {
        // Read outside the lock: a reading is a parse of the body when the item came without one.
        var keyed = items.Select(item => (Item: item, Key: ItemReading.Of(item).Key)).ToList();
        lock (_gate)
        {
            foreach (var (item, key) in keyed)
            {
                if (!_journal.TryGetValue(item.SessionId, out var entries))
                    _journal[item.SessionId] = entries = [];
                if (entries.Exists(e => e.ItemKey == key)) continue;
                entries.Add(KeptEntry.Keep(new JournalEntry(item, key, ChangedView: false, Projected: false)));
                _pendingSessions.TryAdd(item.SessionId, ++_pendingArrivals);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> SessionsWithPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> sessions = [.. _pendingSessions.OrderBy(p => p.Value).Take(limit).Select(p => p.Key)];
            return Task.FromResult(sessions);
        }
    }

    /// <summary>
    /// The grain's append of a pending entry's key: the entry becomes projected, as the grain decided it, and keeps the
    /// item as it was journaled (the database updates the row's flags only). Called under the lock.
    /// </summary>
    private void TakeOver(List<KeptEntry> entries, int index, JournalEntry appended)
    {
        entries[index] = entries[index] with { ChangedView = appended.ChangedView, Folded = appended.Folded, Projected = true };
        if (!entries.Exists(e => !e.Projected)) _pendingSessions.Remove(appended.SessionId);
    }
}
