using CallGrains.Sessions;
using CallGrains.Storage;

namespace CallGrains.Reprojection;

/// <summary>
/// The re-derivation's walk over the calls an older fold wrote, a page at a time in session id order. It writes nothing
/// itself: each call is asked through its grain (<see cref="ICallSessionGrain.ReprojectAsync"/>), which is what keeps a
/// push arriving meanwhile safe. Shared by the cluster's job and the <c>reproject</c> command.
/// </summary>
public sealed class ReprojectionWalk(IStoredViews store, IGrainFactory grains)
{
    /// <summary>
    /// Reprojects the next page after <paramref name="after"/>, at most <paramref name="parallelism"/> grains at a time.
    /// A call whose grain fails is counted and left stale: a later walk asks it again.
    /// </summary>
    public async Task<ReprojectionTally> NextPageAsync(string? after, int pageSize, int parallelism, CancellationToken cancellationToken = default)
    {
        var sessions = await store.ListStaleAsync(after, pageSize, cancellationToken);
        using var gate = new SemaphoreSlim(parallelism);
        var outcomes = await Task.WhenAll(sessions.Select(async sessionId =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await grains.GetCallSession(sessionId).ReprojectAsync();
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                return (ReprojectOutcome?)null;
            }
            finally
            {
                gate.Release();
            }
        }));
        return ReprojectionTally.Of(outcomes, sessions.Count == 0 ? after : sessions[^1], complete: sessions.Count < pageSize);
    }
}

/// <summary>What a page (or a whole walk, added up) did: how many calls it asked and what each one's grain answered.</summary>
/// <param name="Last">The last session id asked: where the next page starts.</param>
/// <param name="Complete">The page was the walk's last (fewer stale calls than a page were left).</param>
/// <param name="Failed">Grains that could not be asked or failed (store unavailable): their rows stay stale.</param>
[GenerateSerializer, Immutable, Alias("callgrains.reprojection-tally")]
public sealed record ReprojectionTally(
    [property: Id(0)] int Asked,
    [property: Id(1)] int Rewritten,
    [property: Id(2)] int Unchanged,
    [property: Id(3)] int Current,
    [property: Id(4)] int Moved,
    [property: Id(5)] int Failed,
    [property: Id(6)] string? Last,
    [property: Id(7)] bool Complete)
{
    public static ReprojectionTally Empty { get; } = new(0, 0, 0, 0, 0, 0, null, Complete: false);

    public static ReprojectionTally Of(IReadOnlyCollection<ReprojectOutcome?> outcomes, string? last, bool complete) => new(
        outcomes.Count,
        outcomes.Count(o => o == ReprojectOutcome.Rewritten),
        outcomes.Count(o => o == ReprojectOutcome.Unchanged),
        // A call with no row is as good as current: there is nothing an older fold wrote.
        outcomes.Count(o => o is ReprojectOutcome.Current or ReprojectOutcome.NoRow),
        outcomes.Count(o => o == ReprojectOutcome.Moved),
        outcomes.Count(o => o is null),
        last,
        complete);

    /// <summary>This and the next page together.</summary>
    public ReprojectionTally Add(ReprojectionTally page) => new(
        Asked + page.Asked, Rewritten + page.Rewritten, Unchanged + page.Unchanged, Current + page.Current,
        Moved + page.Moved, Failed + page.Failed, page.Last ?? Last, page.Complete);
}
