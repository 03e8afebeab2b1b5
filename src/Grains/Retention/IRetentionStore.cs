using CallGrains.Domain.Retention;

namespace CallGrains.Retention;

/// <summary>
/// What a store does for retention: keep room ahead of the clock, and remove the calls (journal, calls row) and the
/// changes past the retention, a week at a time (<see cref="RetentionPolicy"/>). Ingest goes on meanwhile.
/// </summary>
public interface IRetentionStore
{
    /// <summary>
    /// Makes the weeks from before <paramref name="now"/> to <paramref name="until"/> ready for writes (PostgreSQL: their
    /// partitions) and moves rows out of the DEFAULT partitions into partitions of their own. Returns the partitions created.
    /// </summary>
    Task<int> PrepareAsync(DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes every week of calls <paramref name="policy"/> lets go as of <paramref name="now"/>, and every week of changes
    /// that ended before its cutoff. <paramref name="activeSessions"/> is asked (at most once, and only when a week of calls
    /// goes) for the sessions whose grains are active, so that the sweep can say which of them lost their data.
    /// </summary>
    Task<RetentionSweep> SweepAsync(
        RetentionPolicy policy, DateTimeOffset now, Func<Task<IReadOnlySet<string>>> activeSessions,
        CancellationToken cancellationToken = default);
}

/// <summary>What one sweep removed.</summary>
/// <param name="WeeksRemoved">Weeks of calls removed.</param>
/// <param name="WeeksPostponed">Weeks past their end and the cutoff that were kept because one of their calls had a push since the cutoff.</param>
/// <param name="PartitionsDropped">PostgreSQL tables dropped (journal, calls and changes partitions); none in memory.</param>
/// <param name="RemovedActiveSessions">Sessions removed whose grains were active: they must not keep their memory.</param>
public sealed record RetentionSweep(
    int WeeksRemoved,
    int WeeksPostponed,
    int PartitionsDropped,
    long CallsRemoved,
    long ChangesRemoved,
    IReadOnlyList<string> RemovedActiveSessions)
{
    public static RetentionSweep None { get; } = new(0, 0, 0, 0, 0, []);
}
