using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;

namespace CallGrains.Storage.InMemory;

/// <summary>
/// The embedded default: journal and projections in process memory. Nothing survives a restart.
/// One lock keeps an append, its projection upsert and its change atomic, as a transaction would; changes are
/// numbered under that lock, so they become readable in seq order.
/// </summary>
/// <param name="signal">Pulsed after each change, to wake this process's feed readers; none when null.</param>
public sealed partial class InMemoryStore(ChangeSignal? signal = null)
    : IPushJournal, IJournalReader, ICallsProjection, IRequestsProjection, IChangeFeed
{
    private readonly Lock _gate = new();
    private readonly List<CallChange> _changes = [];
    private readonly Dictionary<string, List<KeptEntry>> _journal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallRow> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RequestRow> _requests = new(StringComparer.Ordinal);

    public Task AppendAsync(CallAppend append, CancellationToken cancellationToken = default)
    {
        var (entry, call) = (append.Entry, append.Call);
        var kept = KeptEntry.Keep(entry); // encoded outside the lock
        var changed = false;
        lock (_gate)
        {
            if (!_journal.TryGetValue(entry.SessionId, out var entries))
                _journal[entry.SessionId] = entries = [];
            // Same rule as the database's unique (session, item key): a re-append is a no-op, and makes no change;
            // but a pending entry of that key is the grain's to take over (see InMemoryStore.Pending.cs).
            var held = entries.FindIndex(e => e.ItemKey == entry.ItemKey);
            if (held < 0 || !entries[held].Projected)
            {
                if (held < 0) entries.Add(kept);
                else TakeOver(entries, held, entry);
                if (append.ToChange(NextChangeSeq) is { } change)
                {
                    _changes.Add(change);
                    changed = true;
                }
            }
            if (!_calls.TryGetValue(call.SessionId, out var existing) || existing.Version <= call.Version)
                _calls[call.SessionId] = call;
        }
        if (changed) signal?.Pulse();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CallChange>> ReadAsync(ChangeQuery query, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // Seq is the list index plus one, plus the changes retention removed from the front; start right after the cursor.
            var start = (int)Math.Clamp(query.After - _changesRemoved, 0, _changes.Count);
            IReadOnlyList<CallChange> page = [.. _changes.Skip(start).Where(c => !IsErased(c) && query.Matches(c)).Take(query.Limit)];
            return Task.FromResult(page);
        }
    }

    public Task<long> LastSeqAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_changesRemoved + _changes.Count);
    }

    public Task<IReadOnlyList<JournalEntry>> ReadSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        KeptEntry[] kept;
        lock (_gate) kept = _journal.TryGetValue(sessionId, out var list) ? [.. list] : [];
        // Decoded outside the lock, which every push waits for.
        IReadOnlyList<JournalEntry> entries = [.. kept.Select(e => e.Restore(sessionId))];
        return Task.FromResult(entries);
    }

    public Task<CallPage> ListAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        List<CallRow> rows;
        lock (_gate)
        {
            rows = Filtered(query)
                .Where(r => query.Cursor is null || query.Cursor.Precedes(r))
                .OrderByDescending(r => r.FirstReceivedAt)
                .ThenByDescending(r => r.SessionId, StringComparer.Ordinal)
                .Take(query.Limit + 1)
                .ToList();
        }
        var hasMore = rows.Count > query.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        return Task.FromResult(new CallPage(rows, hasMore ? CallCursor.After(rows[^1]) : null));
    }

    public Task<int> CountAsync(CallQuery query, int cap, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        lock (_gate) return Task.FromResult(Filtered(query).Take(cap).Count());
    }

    /// <summary>The calls the query's filters select, unordered: its cursor and limit are the caller's. Under the lock.</summary>
    private IEnumerable<CallRow> Filtered(CallQuery query) => _calls.Values
        .Where(r => query.UserData is null || r.UserData == query.UserData)
        .Where(r => query.Status is null || r.Status == query.Status)
        .Where(r => query.Outcome is null || r.Outcome == query.Outcome)
        .Where(r => query.Since is null || r.FirstReceivedAt >= query.Since)
        .Where(r => query.Until is null || r.FirstReceivedAt < query.Until)
        .Where(r => query.Stuck is null || query.Stuck.Matches(r))
        .Where(r => query.Unverified is not { } unverified || r.Unverified > 0 == unverified)
        .Where(r => query.Tenant is null || query.Tenant.Owns(r.UserData));

    public Task UpsertAsync(RequestRow request, CancellationToken cancellationToken = default)
    {
        lock (_gate) _requests[request.UserData] = request;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RequestRow>> ListByBusinessIdAsync(string businessId, TenantScope? tenant = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RequestRow> rows = _requests.Values
                .Where(r => r.BusinessId == businessId && (tenant is null || tenant.Owns(r.UserData)))
                .OrderBy(r => r.RegisteredAt)
                .ThenBy(r => r.UserData, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(rows);
        }
    }
}
