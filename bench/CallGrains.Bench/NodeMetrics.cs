using System.Globalization;

namespace CallGrains.Bench;

/// <summary>
/// The nodes' /metrics (Prometheus text, as an operator's Prometheus reads it) at one moment, summed over the nodes:
/// subtract two to get what the nodes counted during a step.
/// </summary>
public sealed class NodeMetrics
{
    /// <summary>The runtime's <c>dotnet.gc.pause.time</c>: how long the collector has held the process paused.</summary>
    public const string GcPauseSeconds = "dotnet_gc_pause_time_seconds_total";

    /// <summary>The runtime's <c>dotnet.gc.heap.total_allocated</c>: bytes the process has allocated on its managed heap.</summary>
    public const string AllocatedBytes = "dotnet_gc_heap_total_allocated_bytes_total";

    private readonly Dictionary<string, double> _series = new(StringComparer.Ordinal);

    public NodeMetrics(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            var key = line[..space];
            _series[key] = _series.GetValueOrDefault(key) + value;
        }
    }

    private NodeMetrics(Dictionary<string, double> series) => _series = series;

    public static NodeMetrics operator -(NodeMetrics after, NodeMetrics before) =>
        new(after._series.ToDictionary(s => s.Key, s => s.Value - before._series.GetValueOrDefault(s.Key), StringComparer.Ordinal));

    /// <summary>A counter or gauge: every series of the name, whatever its labels, added up.</summary>
    public double Sum(string name) => _series.Where(s => NameOf(s.Key) == name).Sum(s => s.Value);

    /// <summary>How long the nodes' collectors held them paused, summed over the nodes.</summary>
    public TimeSpan GcPaused => TimeSpan.FromSeconds(Sum(GcPauseSeconds));

    /// <summary>What the nodes allocated, summed over the nodes.</summary>
    public double Allocated => Sum(AllocatedBytes);

    /// <summary>A histogram: its buckets (by upper bound, over every label set), sum and count.</summary>
    public BucketHistogram Histogram(string name)
    {
        var buckets = _series.Where(s => NameOf(s.Key) == name + "_bucket")
            .GroupBy(s => UpperBound(s.Key))
            .Select(g => (UpperBound: g.Key, Cumulative: g.Sum(s => s.Value)))
            .OrderBy(b => b.UpperBound)
            .ToList();
        return new BucketHistogram(buckets, Sum(name + "_sum"), Sum(name + "_count"));
    }

    private static string NameOf(string key) => key.IndexOf('{') is var brace and >= 0 ? key[..brace] : key;

    private static double UpperBound(string key)
    {
        var start = key.IndexOf("le=\"", StringComparison.Ordinal) + 4;
        var text = key[start..key.IndexOf('"', start)];
        return text == "+Inf" ? double.PositiveInfinity : double.Parse(text, CultureInfo.InvariantCulture);
    }
}

/// <summary>A Prometheus histogram: cumulative counts per upper bound, so a quantile is known to a bucket, not a value.</summary>
public sealed record BucketHistogram(IReadOnlyList<(double UpperBound, double Cumulative)> Buckets, double Sum, double Count)
{
    /// <summary>The upper bound of the bucket that holds the <paramref name="quantile"/>: the quantile is at most this.</summary>
    public double AtMost(double quantile)
    {
        foreach (var (upperBound, cumulative) in Buckets)
            if (cumulative >= quantile * Count) return upperBound;
        return double.PositiveInfinity;
    }

    /// <summary>The share counted at or below <paramref name="bound"/>, which must be one of the bucket bounds.</summary>
    public double ShareAtMost(double bound) => Count == 0 ? 0 : Buckets.Single(b => b.UpperBound == bound).Cumulative / Count;

    public double Mean => Count == 0 ? 0 : Sum / Count;
}
