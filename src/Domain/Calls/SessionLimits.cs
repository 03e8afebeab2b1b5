namespace CallGrains.Domain.Calls;

/// <summary>
/// How much one session may hold, so that no sender can grow a call without bound (new timestamps make new items,
/// unknown CDR fields and problems pile up, and every item re-renders the view). Problems, legs and a CDR's
/// unknown fields are cut to the least ones in ordinal order, which keeps the view a function of the set of items;
/// items past <see cref="MaxItems"/> are kept in the journal but not folded. Any of these sets the view's
/// <see cref="CallView.Capped"/>.
/// </summary>
public sealed record SessionLimits(int MaxItems = 500, int MaxProblems = 50, int MaxLegs = 8, int MaxExtraCdrFields = 64)
{
    public static SessionLimits Default { get; } = new();
}
