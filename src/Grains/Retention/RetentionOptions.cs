using System.ComponentModel.DataAnnotations;
using CallGrains.Domain.Retention;

namespace CallGrains.Retention;

/// <summary>Bound from "CallGrains:Retention" by every silo: how long calls are kept and how the job that removes them runs.</summary>
public sealed class RetentionOptions
{
    public const string Section = "CallGrains:Retention";

    /// <summary>Days a call is kept after its last push; unset (the default) keeps every call.</summary>
    [Range(1, 36_500)]
    public int? Days { get; set; }

    /// <summary>
    /// Added to <see cref="Days"/>: what may still arrive for a call that looks over. At least the CDR's re-sends (6 h) and
    /// the stuck-call thresholds (CallGrains:StuckCalls, 6.5 h by default); a day by default.
    /// </summary>
    [Range(0, 30 * 24)]
    public int GraceHours { get; set; } = 24;

    /// <summary>How often the job runs (an Orleans reminder; Orleans' shortest period is a minute).</summary>
    [Range(1, 7 * 24 * 60)]
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>Longest one run may take; work left over waits for the next run.</summary>
    [Range(1, 3600)]
    public int MaxRunSeconds { get; set; } = 120;

    /// <summary>Weeks of partitions PostgreSQL keeps ready ahead of the service clock, so that no push lands in a DEFAULT partition.</summary>
    [Range(1, 52)]
    public int WeeksAhead { get; set; } = 4;

    /// <summary><see cref="WeeksAhead"/> as a span of time from the service clock's now.</summary>
    public TimeSpan Ahead => RetentionPolicy.Period * WeeksAhead;

    /// <summary>The rule calls are removed by; null when retention is off.</summary>
    public RetentionPolicy? Policy => Days is { } days ? new(TimeSpan.FromDays(days), TimeSpan.FromHours(GraceHours)) : null;
}
