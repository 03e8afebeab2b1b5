using System.Globalization;
using System.Text;

namespace CallGrains.Api.Operations;

/// <summary>Counters for the Prometheus text at /metrics. Plain interlocked longs: no exporter to configure.</summary>
public sealed class PushMetrics
{
    private long _pushesAccepted;
    private long _pushesRejected;
    private long _itemsStored;
    private long _itemsDuplicate;
    private long _storeOutages;

    public void Accepted(int stored, int duplicates)
    {
        Interlocked.Increment(ref _pushesAccepted);
        Interlocked.Add(ref _itemsStored, stored);
        Interlocked.Add(ref _itemsDuplicate, duplicates);
    }

    public void Rejected() => Interlocked.Increment(ref _pushesRejected);

    public void StoreOutage() => Interlocked.Increment(ref _storeOutages);

    public string Render()
    {
        var text = new StringBuilder();
        Counter(text, "callgrains_pushes_accepted_total", "Pushes acknowledged with 200.", _pushesAccepted);
        Counter(text, "callgrains_pushes_rejected_total", "Pushes rejected with 400 or 413.", _pushesRejected);
        Counter(text, "callgrains_push_items_stored_total", "Push items journaled.", _itemsStored);
        Counter(text, "callgrains_push_items_duplicate_total", "Push items recognised as duplicates (nothing written).", _itemsDuplicate);
        Counter(text, "callgrains_store_outages_total", "Requests answered 503 because the store or cluster was unavailable.", _storeOutages);
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, long value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(" counter\n")
            .Append(name).Append(' ').Append(Interlocked.Read(ref value).ToString(CultureInfo.InvariantCulture)).Append('\n');
}
