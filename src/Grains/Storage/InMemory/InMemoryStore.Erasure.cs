using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;

namespace CallGrains.Storage.InMemory;

/// <summary>Erasure in memory (<see cref="InMemoryErasureStore"/>), under the store's one lock like every other write.</summary>
public sealed partial class InMemoryStore
{
    /// <summary>
    /// Removes the session's journal entries, calls row and changes; returns the counts and the erased changes' seqs.
    /// An erased change keeps its place in the feed's list as an empty tombstone, because a seq is its list index.
    /// </summary>
    internal (ErasedRows Rows, IReadOnlySet<long> Seqs) EraseSession(string sessionId)
    {
        var seqs = new HashSet<long>();
        lock (_gate)
        {
            var journal = _journal.Remove(sessionId, out var entries) ? entries.Count : 0;
            var calls = _calls.Remove(sessionId) ? 1 : 0;
            for (var i = 0; i < _changes.Count; i++)
            {
                var change = _changes[i];
                if (change.SessionId != sessionId) continue;
                seqs.Add(change.Seq);
                _changes[i] = new CallChange(change.Seq, "", "", 0, null, default, ViewJson.FromUtf8([]));
            }
            return (new ErasedRows(JournalEntries: journal, CallRows: calls, Changes: seqs.Count), seqs);
        }
    }

    internal int EraseRequest(string userData)
    {
        lock (_gate) return _requests.Remove(userData) ? 1 : 0;
    }

    private static bool IsErased(CallChange change) => change.SessionId.Length == 0;
}
