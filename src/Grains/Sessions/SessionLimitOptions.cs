using System.ComponentModel.DataAnnotations;
using CallGrains.Domain.Calls;

namespace CallGrains.Sessions;

/// <summary>Bound from "CallGrains:Limits": how much one call may hold (<see cref="SessionLimits"/>).</summary>
public sealed class SessionLimitOptions
{
    public const string Section = "CallGrains:Limits";

    /// <summary>Items folded into a call's view; later ones are acknowledged and journaled, not folded. A real call has about ten.</summary>
    [Range(10, 100_000)]
    public int MaxItemsPerSession { get; set; } = SessionLimits.Default.MaxItems;

    [Range(1, 10_000)]
    public int MaxProblemsPerSession { get; set; } = SessionLimits.Default.MaxProblems;

    /// <summary>Dialled numbers a call keeps; a callback has two.</summary>
    [Range(2, 1_000)]
    public int MaxLegsPerSession { get; set; } = SessionLimits.Default.MaxLegs;

    /// <summary>Fields a CDR may carry beyond the protocol's table (kept as raw JSON in <c>cdr.extra</c>).</summary>
    [Range(0, 1_000)]
    public int MaxExtraCdrFields { get; set; } = SessionLimits.Default.MaxExtraCdrFields;

    private SessionLimits? _limits;

    /// <summary>One instance for every call of the silo (options are bound once, at start): not one per activation.</summary>
    public SessionLimits ToLimits() =>
        _limits ??= new(MaxItemsPerSession, MaxProblemsPerSession, MaxLegsPerSession, MaxExtraCdrFields);
}
