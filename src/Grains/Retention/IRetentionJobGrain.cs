namespace CallGrains.Retention;

/// <summary>
/// The retention job: one activation in the cluster (key <see cref="Key"/>), woken by an Orleans reminder every
/// CallGrains:Retention:IntervalMinutes, so that it runs on one node at a time and survives the node it ran on.
/// </summary>
public interface IRetentionJobGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    /// <summary>Registers the reminder (again: every silo asks at start, the reminder is the same one).</summary>
    Task StartAsync();

    /// <summary>One run now: partitions ahead, then (with retention on) the sweep. What the reminder does.</summary>
    Task<RetentionReport> RunAsync();
}

/// <summary>What one run of the retention job did.</summary>
/// <param name="Finished">False when the run stopped at its time budget; the next run goes on from there.</param>
[GenerateSerializer, Immutable, Alias("callgrains.retention-report")]
public sealed record RetentionReport(
    [property: Id(0)] bool Enabled,
    [property: Id(1)] int PartitionsCreated,
    [property: Id(2)] int PartitionsDropped,
    [property: Id(3)] int WeeksRemoved,
    [property: Id(4)] int WeeksPostponed,
    [property: Id(5)] long CallsRemoved,
    [property: Id(6)] long ChangesRemoved,
    [property: Id(7)] int GrainsDeactivated,
    [property: Id(8)] bool Finished);
