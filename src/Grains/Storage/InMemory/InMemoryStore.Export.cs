using System.Runtime.CompilerServices;
using CallGrains.Domain.Calls;

namespace CallGrains.Storage.InMemory;

/// <summary>The billing export over the in-memory projections.</summary>
public sealed partial class InMemoryStore : ICallExport
{
    /// <summary>Export order reversed: the heap of a page keeps its latest row on top, to be dropped first.</summary>
    private static readonly Comparer<CallRow> Latest = Comparer<CallRow>.Create((x, y) =>
        ExportCursor.Compare(y.FirstReceivedAt, y.SessionId, x.FirstReceivedAt, x.SessionId));

    public Task<IReadOnlyList<ExportedCall>> ReadExportAsync(
        ExportQuery query, ExportCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        // The page's rows are picked with a heap of at most `limit` entries (the latest picked so far on top), so a page
        // costs one pass over the calls and no copy of them, however many there are.
        var picked = new PriorityQueue<CallRow, CallRow>(limit + 1, Latest);
        lock (_gate)
        {
            foreach (var row in _calls.Values)
            {
                if (!query.Matches(row) || (after is not null && !after.Precedes(row))) continue;
                picked.Enqueue(row, row);
                if (picked.Count > limit) picked.Dequeue();
            }
            var page = new ExportedCall[picked.Count];
            for (var i = page.Length - 1; i >= 0; i--)
            {
                var row = picked.Dequeue();
                var request = row.UserData is { } userData && _requests.TryGetValue(userData, out var found) ? found : null;
                page[i] = new ExportedCall(row.SessionId, row.UserData, row.FirstReceivedAt, row.ViewJson, request);
            }
            return Task.FromResult<IReadOnlyList<ExportedCall>>(page);
        }
    }

    /// <remarks>
    /// Tallied from the same pages the export reads, one entry per business id: the in-memory store holds every
    /// request anyway, so the tally never outgrows what is stored.
    /// </remarks>
    public async IAsyncEnumerable<BillingTotal> ReadTotalsAsync(
        ExportQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int pageSize = 1000;
        var none = new Tally();
        var byBusinessId = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        ExportCursor? after = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadExportAsync(query, after, pageSize, cancellationToken);
            foreach (var call in page)
            {
                var view = call.ViewJson.Read();
                var tally = call.Request is { } request
                    ? byBusinessId.TryGetValue(request.BusinessId, out var known) ? known : byBusinessId[request.BusinessId] = new Tally()
                    : none;
                tally.Add(view);
            }
            if (page.Count < pageSize) break;
            after = ExportCursor.After(page[^1]);
        }
        if (none.Calls > 0) yield return none.Total(null);
        foreach (var (businessId, tally) in byBusinessId) yield return tally.Total(businessId);
    }

    private sealed class Tally
    {
        private long _talkSeconds;
        private long _billableMinutes;

        public long Calls { get; private set; }

        public void Add(CallView view)
        {
            Calls++;
            _talkSeconds += view.TalkSeconds ?? 0;
            _billableMinutes += view.BillableMinutes ?? 0;
        }

        public BillingTotal Total(string? businessId) => new(businessId, Calls, _talkSeconds, _billableMinutes);
    }
}
