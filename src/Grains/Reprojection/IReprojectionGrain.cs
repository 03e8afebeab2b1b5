namespace CallGrains.Reprojection;

/// <summary>
/// The re-derivation job: one activation in the cluster (key <see cref="Key"/>). After an upgrade of the fold it walks the
/// calls whose rows an older fold wrote, a page per timer tick, and asks each one's grain to reproject; an Orleans
/// reminder brings it back every CallGrains:Reprojection:IntervalMinutes, so that it survives the node it ran on.
/// </summary>
public interface IReprojectionGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    /// <summary>Registers the reminder (every silo asks at start; it is the same one) and starts a walk now.</summary>
    Task StartAsync();

    /// <summary>What the walk under way (or the last one) has done so far.</summary>
    Task<ReprojectionTally> ProgressAsync();
}
