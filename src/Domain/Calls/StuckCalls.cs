namespace CallGrains.Domain.Calls;

/// <summary>
/// When a call counts as stuck. The platform never re-sends a status push and re-sends a CDR at most six
/// more times, an hour apart, so silence past these deadlines will not end by itself: someone has to ask
/// the platform (the CDR file from support) or accept the call as it stands. Time-dependent, so kept out of
/// the fold: the same pushes give the same view, and these flags are laid over it when it is read.
/// </summary>
/// <param name="CdrOverdueAfter">From the last push of an ended call without CDR until its CDR counts as overdue.</param>
/// <param name="StaleAfter">From the last push of a call still in progress until it counts as stale.</param>
public sealed record StuckCallPolicy(TimeSpan CdrOverdueAfter, TimeSpan StaleAfter)
{
    /// <summary>Six re-sends an hour apart after the first attempt, plus half an hour for the platform's queues.</summary>
    public static readonly TimeSpan DefaultCdrOverdueAfter = TimeSpan.FromHours(6.5);

    /// <summary>Status pushes stop while people talk; two hours of silence is longer than nearly any call.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromHours(2);

    public static StuckCallPolicy Default { get; } = new(DefaultCdrOverdueAfter, DefaultStaleAfter);

    /// <summary>An ended call (its disconnect arrived) still waiting for a CDR, silent since before this time, is overdue.</summary>
    public DateTimeOffset CdrOverdueIfSilentSince(DateTimeOffset now) => now - CdrOverdueAfter;

    /// <summary>A call in progress, silent since before this time, is stale.</summary>
    public DateTimeOffset StaleIfSilentSince(DateTimeOffset now) => now - StaleAfter;

    public bool IsCdrOverdue(CallStatus status, bool final, DateTimeOffset lastPushAt, DateTimeOffset now) =>
        status == CallStatus.Ended && !final && lastPushAt <= CdrOverdueIfSilentSince(now);

    public bool IsStale(CallStatus status, DateTimeOffset lastPushAt, DateTimeOffset now) =>
        status != CallStatus.Ended && lastPushAt <= StaleIfSilentSince(now);

    /// <summary>Whether a call with this status and last push counts as stuck in the way <paramref name="kind"/> names.</summary>
    public bool Is(StuckKind kind, CallStatus status, bool final, DateTimeOffset lastPushAt, DateTimeOffset now) => kind switch
    {
        StuckKind.CdrOverdue => IsCdrOverdue(status, final, lastPushAt, now),
        _ => IsStale(status, lastPushAt, now),
    };

    /// <summary>The latest last push at which a call can be stuck in the way <paramref name="kind"/> names.</summary>
    public DateTimeOffset SilentSince(StuckKind kind, DateTimeOffset now) =>
        kind == StuckKind.CdrOverdue ? CdrOverdueIfSilentSince(now) : StaleIfSilentSince(now);

    /// <summary>The view with its flags as of <paramref name="now"/>; a view never stored (no updatedAt) is never stuck.</summary>
    public CallView Flag(CallView view, DateTimeOffset now) => view.UpdatedAt is not { } last
        ? view
        : view with
        {
            CdrOverdue = IsCdrOverdue(view.Status, view.Final, last, now),
            Stale = IsStale(view.Status, last, now),
        };
}

/// <summary>Ended waiting for a CDR, or in progress and silent.</summary>
public enum StuckKind { CdrOverdue, Stale }
