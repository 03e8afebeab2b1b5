using CallGrains.Domain.Calls;

namespace CallGrains.Storage;

/// <summary>
/// The calls projection as the re-derivation after an upgrade of the fold reads and rewrites it. Only a call's grain
/// writes through it (<c>ICallSessionGrain.ReprojectAsync</c> and activation), one call at a time, which is what makes
/// a rewrite safe against a push for the same call arriving meanwhile; the job and the <c>reproject</c> command only
/// list the stale calls and ask their grains.
/// </summary>
public interface IStoredViews
{
    /// <summary>The call's stored row as its grain compares it, or null when the call has none.</summary>
    Task<StoredView?> ReadAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the call's row with <paramref name="row"/> and records its change (<paramref name="changeType"/>, at the
    /// row's version) in one transaction, only while the stored row is still at <paramref name="expectedVersion"/>.
    /// False when it is not: nothing was written.
    /// </summary>
    Task<bool> RewriteAsync(CallRow row, int expectedVersion, string changeType, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the row at <paramref name="version"/> says what fold <paramref name="foldVersion"/> says too: its fold
    /// version is all that changes (no view, no change in the feed).
    /// </summary>
    Task StampAsync(string sessionId, int version, int foldVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> calls whose rows a fold older than <see cref="CallFold.Version"/> wrote, in session id
    /// order (ordinal) after <paramref name="after"/>: one page of the re-derivation's walk.
    /// </summary>
    Task<IReadOnlyList<string>> ListStaleAsync(string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many rows a fold older than <see cref="CallFold.Version"/> wrote.</summary>
    Task<long> CountStaleAsync(CancellationToken cancellationToken = default);
}

/// <summary>A call's stored row as the re-derivation compares it: its version, the fold that wrote it, and its view.</summary>
public sealed record StoredView(string SessionId, int Version, int FoldVersion, bool Final, ViewJson ViewJson);
