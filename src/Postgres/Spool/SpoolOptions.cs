using System.ComponentModel.DataAnnotations;

namespace CallGrains.Postgres.Spool;

/// <summary>The push spool's settings, bound from "CallGrains:Spool". No <see cref="Directory"/>: no spool.</summary>
public sealed class SpoolOptions
{
    public const string Section = "CallGrains:Spool";

    /// <summary>
    /// Where the spool's files live: a directory of this node's own on a persistent volume (never shared between
    /// nodes). Unset: the node has no spool, and a push it cannot commit is answered 503.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Most bytes the spool's files may take on disk. A push that does not fit is refused (503 with Retry-After) and
    /// nothing of it is written.
    /// </summary>
    [Range(64L * 1024, 1024L * 1024 * 1024 * 1024)]
    public long MaxBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>
    /// Size at which the spool starts a new segment file. A segment is deleted once every push in it was drained,
    /// so space comes back a segment at a time; at most <see cref="MaxBytes"/> is used in any case.
    /// </summary>
    [Range(4L * 1024, 1024L * 1024 * 1024)]
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Pushes waiting for the spool's writer; past that, further pushes are refused at once.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueued { get; set; } = 20_000;
}
