namespace CallGrains.Postgres.Tests;

/// <summary>A service clock that stands still at <paramref name="now"/>, for a store whose reads are bounded by its clock.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
