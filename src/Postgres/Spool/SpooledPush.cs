using CallGrains.Domain.Pushes;

namespace CallGrains.Postgres.Spool;

/// <summary>Where in the spool: a segment's number and a byte offset in it.</summary>
public readonly record struct SpoolPosition(long Segment, long Offset);

/// <summary>
/// Spooled pushes read for draining, in arrival order, and the spool position after them. Hand it back to
/// <see cref="PushSpool.MarkDrained"/> once every push in it is in the store.
/// </summary>
/// <param name="Bytes">The bytes its pushes take in the spool.</param>
/// <param name="Skipped">Damaged byte ranges read past (reported when the spool was opened).</param>
public sealed record SpoolBatch(IReadOnlyList<IReadOnlyList<PushItem>> Pushes, SpoolPosition Start, SpoolPosition End, long Bytes, int Skipped)
{
    /// <summary>Whether marking it drained moves the spool on (pushes read, or damaged bytes passed).</summary>
    public bool MovesOn => End != Start;
}

/// <summary>How much the spool holds that is not drained yet.</summary>
public readonly record struct SpoolDepth(long Pushes, long Bytes);
