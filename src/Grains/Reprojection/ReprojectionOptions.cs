using System.ComponentModel.DataAnnotations;

namespace CallGrains.Reprojection;

/// <summary>Bound from "CallGrains:Reprojection" by every silo and the <c>reproject</c> command: how the re-derivation walks.</summary>
public sealed class ReprojectionOptions
{
    public const string Section = "CallGrains:Reprojection";

    /// <summary>Whether the cluster's job runs; off, rows an older fold wrote wait for their calls' next activation or the command.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Stale calls one step of the walk takes (one query, then their grains); the job's work per timer tick.</summary>
    [Range(1, 1000)]
    public int PageSize { get; set; } = 100;

    /// <summary>Grains asked at once. Each one not active reads its journal: this bounds what the walk takes from ingest.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;

    /// <summary>The job's pause between two pages, so that ingest has the store to itself for a while.</summary>
    [Range(0, 60_000)]
    public int PauseMilliseconds { get; set; } = 200;

    /// <summary>How often the job looks for stale rows again once a walk ended (an Orleans reminder: a minute at least).</summary>
    [Range(1, 24 * 60)]
    public int IntervalMinutes { get; set; } = 5;
}
