using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;

namespace CallGrains.Storage.InMemory;

/// <summary>The re-derivation's reads and rewrites of the calls projection (<see cref="IStoredViews"/>), under the store's one lock.</summary>
public sealed partial class InMemoryStore : IStoredViews
{
    public Task<StoredView?> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_calls.TryGetValue(sessionId, out var row)
                ? new StoredView(row.SessionId, row.Version, row.FoldVersion, row.Final, row.ViewJson)
                : null);
        }
    }

    public Task<bool> RewriteAsync(CallRow row, int expectedVersion, string changeType, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_calls.TryGetValue(row.SessionId, out var held) || held.Version != expectedVersion) return Task.FromResult(false);
            _calls[row.SessionId] = row;
            _changes.Add(new CallChange(NextChangeSeq, changeType, row.SessionId, row.Version, row.UserData, row.UpdatedAt, row.ViewJson));
        }
        signal?.Pulse();
        return Task.FromResult(true);
    }

    public Task StampAsync(string sessionId, int version, int foldVersion, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_calls.TryGetValue(sessionId, out var held) && held.Version == version && held.FoldVersion < foldVersion)
                _calls[sessionId] = held with { FoldVersion = foldVersion };
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListStaleAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> page = [.. _calls.Values
                .Where(r => r.FoldVersion < CallFold.Version && (after is null || string.CompareOrdinal(r.SessionId, after) > 0))
                .Select(r => r.SessionId)
                .Order(StringComparer.Ordinal)
                .Take(limit)];
            return Task.FromResult(page);
        }
    }

    public Task<long> CountStaleAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult((long)_calls.Values.Count(r => r.FoldVersion < CallFold.Version));
    }
}
