namespace CallGrains.Sessions;

/// <summary>What <see cref="ICallSessionGrain.ReprojectAsync"/> found and did.</summary>
[GenerateSerializer, Alias("callgrains.reproject-outcome")]
public enum ReprojectOutcome
{
    /// <summary>The call has no row (no item, or only pending ones, which their catch-up projects): nothing to do.</summary>
    NoRow,

    /// <summary>This build's fold wrote the row already.</summary>
    Current,

    /// <summary>An older fold wrote the row and its view is the same: only its fold version was recorded.</summary>
    Unchanged,

    /// <summary>An older fold wrote the row and its view differs: rewritten as a new version, with its change.</summary>
    Rewritten,

    /// <summary>The row was written past this activation (not by the grain): left as it is, asked again later.</summary>
    Moved,
}
