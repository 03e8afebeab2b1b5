using System.Diagnostics.Metrics;
using CallGrains.Telemetry;

namespace CallGrains.Retention;

/// <summary>The retention job's instruments, on CallGrains' one meter.</summary>
public sealed class RetentionMetrics
{
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _partitionsCreated;
    private readonly Counter<long> _partitionsDropped;
    private readonly Counter<long> _callsRemoved;
    private readonly Counter<long> _changesRemoved;

    public RetentionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(CallGrainsMetrics.MeterName);
        _runs = meter.CreateCounter<long>("callgrains.retention.runs", "{run}",
            "Runs of the retention job, by result (completed, out-of-time: stopped at CallGrains:Retention:MaxRunSeconds, failed).");
        _duration = meter.CreateHistogram<double>("callgrains.retention.run.duration", "s", "How long one run of the retention job took.");
        _partitionsCreated = meter.CreateCounter<long>("callgrains.retention.partitions.created", "{partition}",
            "PostgreSQL partitions created ahead of the clock (or for rows found in a DEFAULT partition).");
        _partitionsDropped = meter.CreateCounter<long>("callgrains.retention.partitions.dropped", "{partition}",
            "PostgreSQL partitions dropped because every call (or change) in them was past the retention.");
        _callsRemoved = meter.CreateCounter<long>("callgrains.retention.calls.removed", "{call}",
            "Calls removed with their journal because they were past the retention.");
        _changesRemoved = meter.CreateCounter<long>("callgrains.retention.changes.removed", "{change}",
            "Changes removed from the feed because they were past the retention.");
    }

    public void Ran(string result, TimeSpan duration, int partitionsCreated, RetentionSweep sweep)
    {
        _runs.Add(1, new KeyValuePair<string, object?>("result", result));
        _duration.Record(duration.TotalSeconds);
        if (partitionsCreated > 0) _partitionsCreated.Add(partitionsCreated);
        if (sweep.PartitionsDropped > 0) _partitionsDropped.Add(sweep.PartitionsDropped);
        if (sweep.CallsRemoved > 0) _callsRemoved.Add(sweep.CallsRemoved);
        if (sweep.ChangesRemoved > 0) _changesRemoved.Add(sweep.ChangesRemoved);
    }
}
