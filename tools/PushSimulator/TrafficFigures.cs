using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace CallGrains.PushSimulator;

public sealed record TrafficFigures(
    int Calls, long PushesSent, long PushesAcknowledged, long StatusDropped, long DuplicatesSent,
    double Seconds, Percentiles LatencyMs, SortedDictionary<int, int> StatusCodes)
{
    public double AcknowledgedPerSecond => PushesAcknowledged / Math.Max(Seconds, 1e-9);

    /// <summary>The schedule of a run with a rate, and how it was kept; null for an unthrottled (closed-loop) run.</summary>
    public ScheduleFigures? Schedule { get; init; }

    /// <summary>
    /// The answers to status pushes alone (0: no answer), of <see cref="StatusCodes"/>: the platform never re-sends a status
    /// push, so each one not answered 200 is an event lost; a fee push is re-sent.
    /// </summary>
    public SortedDictionary<int, int> StatusPushCodes { get; init; } = [];

    /// <summary>
    /// Empty when every push sent was acknowledged; otherwise how many were not, by answer (0: no answer), loudly: a
    /// refused status push is lost, and a rate of acknowledged pushes alone would hide that a limit was hit.
    /// </summary>
    public string Unacknowledged => PushesSent == PushesAcknowledged
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $", NOT ACKNOWLEDGED {PushesSent - PushesAcknowledged} (") +
          Answers(StatusCodes.Where(p => p.Key != 200)) + ")";

    /// <summary>Answers by status code, as "200: 12, 429: 3, no answer: 1" (0 is no answer).</summary>
    public static string Answers(IEnumerable<KeyValuePair<int, int>> codes) => string.Join(", ", codes.Select(p =>
        string.Create(CultureInfo.InvariantCulture, $"{(p.Key == 0 ? "no answer" : p.Key.ToString(CultureInfo.InvariantCulture))}: {p.Value}")));

    /// <summary>What <see cref="LatencyMs"/> is measured from: the two modes' figures are not comparable.</summary>
    public string LatencyOrigin => Schedule is null
        ? "from each push's send (closed loop)"
        : "from each push's scheduled send (no coordinated omission)";

    /// <summary>The latency in one phrase that says what it is measured from, and in rate mode how well the schedule was kept.</summary>
    public string Latency => string.Create(CultureInfo.InvariantCulture,
        $"ack latency {LatencyOrigin}: p50 {LatencyMs.P50:F1} ms, p99 {LatencyMs.P99:F1} ms") + (Schedule is null ? "" : $"; {Schedule}");
}

/// <summary>A rate-mode run's schedule: what was offered, and how late after its scheduled time each push was sent.</summary>
/// <param name="ScheduledSeconds">The schedule's length: the last push was due this long after the start.</param>
/// <param name="BehindMs">Send time − scheduled time: waiting for a free sender (the service is slow) or for the generator itself.</param>
public sealed record ScheduleFigures(double OfferedPerSecond, double ScheduledSeconds, Percentiles BehindMs)
{
    /// <summary>Sends that started a millisecond or two late are the timer's grain, not a generator that cannot keep up.</summary>
    public bool KeptUp => BehindMs.P99 <= 5;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{OfferedPerSecond:F0}/s offered over {ScheduledSeconds:F1} s, sends behind schedule p50 {BehindMs.P50:F1} ms, p99 {BehindMs.P99:F1} ms, max {BehindMs.Max:F0} ms") +
        (KeptUp ? "" : " (FELL BEHIND: those waits are in the latency)");
}

public sealed record Percentiles(double P50, double P90, double P99, double Max, int Count)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new Percentiles(0, 0, 0, 0, 0);
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.90), At(0.99), sorted[^1], sorted.Length);
    }

    /// <summary>In milliseconds, from a histogram of microseconds (<see cref="Histograms.Microseconds"/>).</summary>
    public static Percentiles OfMicroseconds(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0) return new Percentiles(0, 0, 0, 0, 0);
        double Ms(long us) => us / 1000.0;
        return new Percentiles(Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)), Ms(histogram.GetMaxValue()), (int)Math.Min(histogram.TotalCount, int.MaxValue));
    }
}

/// <summary>HdrHistograms of durations: every value kept to 3 significant digits in fixed memory, recorded from many senders.</summary>
public static class Histograms
{
    private const long HourInMicroseconds = 3_600_000_000;

    public static LongConcurrentHistogram Microseconds() => new(1, HourInMicroseconds, 3);

    /// <summary>Records a Stopwatch duration; beyond the range it is clamped (an hour is already a failed run).</summary>
    public static void Record(HistogramBase histogram, long stopwatchTicks) =>
        histogram.RecordValue((long)Math.Clamp(stopwatchTicks * (1_000_000.0 / Stopwatch.Frequency), 0, HourInMicroseconds));
}
