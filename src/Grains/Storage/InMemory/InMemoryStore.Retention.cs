using CallGrains.Domain.Retention;
using CallGrains.Retention;

namespace CallGrains.Storage.InMemory;

/// <summary>
/// Retention in memory: the same calls PostgreSQL removes by dropping partitions (<see cref="RetentionPolicy"/>, a week
/// of calls at a time), removed under the store's one lock; pushes wait for it as for any other write.
/// </summary>
public sealed partial class InMemoryStore : IRetentionStore
{
    // Changes retention removed from the front of the feed's list: a change's seq is its index plus one plus this.
    private long _changesRemoved;

    /// <summary>The seq the next change gets (under the lock).</summary>
    private long NextChangeSeq => _changesRemoved + _changes.Count + 1;

    /// <summary>Memory needs no room made ahead.</summary>
    public Task<int> PrepareAsync(DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        Task.FromResult(0);

    public async Task<RetentionSweep> SweepAsync(
        RetentionPolicy policy, DateTimeOffset now, Func<Task<IReadOnlySet<string>>> activeSessions,
        CancellationToken cancellationToken = default)
    {
        List<string> removed;
        int weeksRemoved, weeksPostponed;
        long changesRemoved;
        lock (_gate)
        {
            (removed, weeksRemoved, weeksPostponed) = RemoveExpiredCalls(policy, now);
            changesRemoved = RemoveExpiredChanges(policy, now);
        }
        IReadOnlyList<string> removedActive = [];
        if (removed.Count > 0)
        {
            var active = await activeSessions();
            removedActive = [.. removed.Where(active.Contains)];
        }
        return new RetentionSweep(weeksRemoved, weeksPostponed, PartitionsDropped: 0, removed.Count, changesRemoved, removedActive);
    }

    private (List<string> Removed, int WeeksRemoved, int WeeksPostponed) RemoveExpiredCalls(RetentionPolicy policy, DateTimeOffset now)
    {
        // A session's week and latest push come from its calls row; one without (items journaled without their grain)
        // is dated by its journal, as PostgreSQL dates such items.
        var weeks = new Dictionary<DateTimeOffset, (DateTimeOffset LastPush, List<string> Sessions)>();
        foreach (var sessionId in _journal.Keys.Union(_calls.Keys))
        {
            var entries = _journal.GetValueOrDefault(sessionId);
            var row = _calls.GetValueOrDefault(sessionId);
            if (row is null && entries is not { Count: > 0 }) continue;
            var first = row?.FirstReceivedAt ?? entries![0].ReceivedAt;
            var last = row?.UpdatedAt ?? entries!.Max(e => e.ReceivedAt);
            var week = RetentionPolicy.WeekOf(first);
            if (!policy.WeekEnded(week, now)) continue;
            var held = weeks.GetValueOrDefault(week, (last, []));
            held.Sessions.Add(sessionId);
            weeks[week] = (last > held.LastPush ? last : held.LastPush, held.Sessions);
        }

        var removed = new List<string>();
        var postponed = 0;
        foreach (var (week, (lastPush, sessions)) in weeks)
        {
            // A week with a call pushed to since the cutoff stays whole, as its partition would.
            if (!policy.WeekExpired(week, lastPush, now))
            {
                postponed++;
                continue;
            }
            foreach (var sessionId in sessions)
            {
                _journal.Remove(sessionId);
                if (_calls.Remove(sessionId)) removed.Add(sessionId);
            }
        }
        return (removed, weeks.Count - postponed, postponed);
    }

    /// <summary>
    /// Changes go by their own week, from the front of the feed (seq order): one younger than its neighbours behind it
    /// holds them until it goes, where PostgreSQL would drop them with their week.
    /// </summary>
    private long RemoveExpiredChanges(RetentionPolicy policy, DateTimeOffset now)
    {
        var count = 0;
        while (count < _changes.Count && policy.WeekEnded(RetentionPolicy.WeekOf(_changes[count].At), now)) count++;
        _changes.RemoveRange(0, count);
        _changesRemoved += count;
        return count;
    }
}
