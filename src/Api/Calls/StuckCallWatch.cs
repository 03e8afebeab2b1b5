using System.ComponentModel.DataAnnotations;
using CallGrains.Domain.Calls;
using CallGrains.Storage;

namespace CallGrains.Api.Calls;

/// <summary>Bound from "CallGrains:StuckCalls": how long silence may last before a call is flagged.</summary>
public sealed class StuckCallOptions
{
    public const string Section = "CallGrains:StuckCalls";

    /// <summary>After an ended call's last push, until its missing CDR is overdue (default 390: six hourly re-sends and slack).</summary>
    [Range(1, 7 * 24 * 60)]
    public int CdrOverdueAfterMinutes { get; set; } = (int)StuckCallPolicy.DefaultCdrOverdueAfter.TotalMinutes;

    /// <summary>After an in-progress call's last push, until it is stale (default 120).</summary>
    [Range(1, 7 * 24 * 60)]
    public int StaleAfterMinutes { get; set; } = (int)StuckCallPolicy.DefaultStaleAfter.TotalMinutes;

    public StuckCallPolicy Policy => new(TimeSpan.FromMinutes(CdrOverdueAfterMinutes), TimeSpan.FromMinutes(StaleAfterMinutes));
}

/// <summary>
/// Lays the stuck-call flags over views as they are read, and turns the list filter into deadlines. It has
/// its own clock so that tests can move this one forward without moving the silo's.
/// </summary>
public sealed class StuckCallWatch(StuckCallPolicy policy, TimeProvider clock)
{
    public CallView Flag(CallView view) => policy.Flag(view, clock.GetUtcNow());

    public StuckFilter Filter(StuckKind kind) => new(kind, policy, clock.GetUtcNow());
}
