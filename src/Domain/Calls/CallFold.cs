using System.Collections.Immutable;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// The call as a pure function of the set of its pushes: <see cref="Add"/> merges one item's facts, commutative
/// over distinct items; <see cref="CallRendering.View"/> renders the merged facts. Every rule is a min, a max, a
/// set or a pick by a total order, never "first" or "last to arrive". The CDR outranks status pushes and can
/// finish a call alone; a leg's stage only moves forward; a late "earlier" event only fills in its time.
/// </summary>
public static class CallFold
{
    /// <summary>
    /// The fold's version, recorded with every calls row it writes (<c>callgrains_calls.fold_version</c>). Whoever changes
    /// what a view says for the same items (a rule here or in <see cref="CallRendering"/>, a field read differently, an
    /// item's identity) adds one: rows an older fold wrote are then re-derived from their journals (docs/operations.md,
    /// "Upgrading the fold"), and on PostgreSQL a new db/ step moves the stale-rows index to the new number.
    /// </summary>
    public const int Version = 1;

    /// <summary>
    /// Merges an item the facts do not hold yet. The caller keeps the item keys it has merged: the same key again
    /// is the same item, and merging it twice would count it twice in the version.
    /// </summary>
    public static CallFacts Add(CallFacts facts, ItemReading item)
    {
        facts = WithinLimits(Merge(facts with { Version = facts.Version + 1, Problems = facts.Problems.Union(item.Problems) }, item));
        return facts;
    }

    /// <summary>An item past the session's item limit arrived: it is journaled, not merged, and the view says so.</summary>
    public static CallFacts Surplus(CallFacts facts) => facts with { Capped = true };

    private static CallFacts Merge(CallFacts facts, ItemReading item)
    {
        if (item.Quarantined is { } unverified)
            return facts with { Unverified = facts.Unverified.SetItem(item.Key, unverified) };
        if (item.Cdr is { } cdr)
        {
            var kept = LimitExtra(cdr, facts.Limits);
            return facts with
            {
                Cdr = MostComplete(facts.Cdr, new Picked<CdrView>(kept, item.Key, cdr.CallEndTime, item.CdrCompleteness)),
                Capped = facts.Capped || !ReferenceEquals(kept, cdr),
            };
        }

        facts = facts with { UserData = Least(facts.UserData, item.UserData) };
        if (item.Status is not { } status) return facts;

        facts = facts with { Caller = Least(facts.Caller, status.Caller) };
        return status.Type switch
        {
            StatusEventType.CollectInfo => facts with
            {
                CollectInfoSeen = true,
                Digits = status.DigitInfo is { } digits ? facts.Digits.Add(new DigitPress(status.Timestamp, digits, item.Key)) : facts.Digits,
                // Digits are only collected from someone who picked up.
                UnplacedStage = Furthest(facts.UnplacedStage, CallStatus.Answered),
            },
            StatusEventType.Disconnect => WithLeg(facts, status) with
            {
                Disconnect = Earliest(facts.Disconnect, new Picked<StatusEvent>(status, item.Key, status.Timestamp, 0)),
            },
            _ => WithLeg(facts, status),
        };
    }

    /// <summary>
    /// Keeps the least problems and legs (ordinal order). The least N of a union is the least N of the least N of
    /// each part, and a set only grows, so what is kept and whether anything was cut do not depend on arrival order.
    /// </summary>
    private static CallFacts WithinLimits(CallFacts facts)
    {
        var limits = facts.Limits;
        if (facts.Problems.Count > limits.MaxProblems)
            facts = facts with { Problems = facts.Problems.Except(facts.Problems.Skip(limits.MaxProblems).ToList()), Capped = true };
        if (facts.Legs.Count > limits.MaxLegs)
            facts = facts with { Legs = facts.Legs.RemoveRange(facts.Legs.Keys.Skip(limits.MaxLegs).ToList()), Capped = true };
        return facts;
    }

    /// <summary>A CDR's unknown fields, cut to the least names; a cut one marks the CDR (and so the call) capped.</summary>
    private static CdrView LimitExtra(CdrView cdr, SessionLimits limits) =>
        cdr.Extra is { } extra && extra.Count > limits.MaxExtraCdrFields
            ? cdr with { Extra = extra.OrderBy(p => p.Key, StringComparer.Ordinal).Take(limits.MaxExtraCdrFields).ToImmutableSortedDictionary(StringComparer.Ordinal) }
            : cdr;

    /// <summary>
    /// How far a status event takes the call: a leg's stage, or for <c>collectInfo</c> the unplaced stage (digits are only
    /// collected from someone who picked up). A disconnect only names a leg (at dialling), and without a number says nothing.
    /// </summary>
    internal static CallStatus? StageOf(StatusEvent status) => status.Type switch
    {
        StatusEventType.Alerting => CallStatus.Ringing,
        StatusEventType.Answer or StatusEventType.CollectInfo => CallStatus.Answered,
        StatusEventType.Disconnect when status.Called is null => null,
        _ => CallStatus.Dialing,
    };

    private static CallFacts WithLeg(CallFacts facts, StatusEvent status)
    {
        var stage = StageOf(status) ?? CallStatus.Dialing;
        if (status.Called is not { } number)
            return status.Type == StatusEventType.Disconnect ? facts : facts with { UnplacedStage = Furthest(facts.UnplacedStage, stage) };

        var at = status.Timestamp;
        var seen = (at ?? DateTimeOffset.MaxValue, (int)stage);
        var leg = facts.Legs.TryGetValue(number, out var held) ? held : new LegFacts(number, null, null, null, CallStatus.Dialing, seen);
        leg = leg with
        {
            DialedAt = status.Type == StatusEventType.Callout ? Min(leg.DialedAt, at) : leg.DialedAt,
            RingingAt = status.Type == StatusEventType.Alerting ? Min(leg.RingingAt, at) : leg.RingingAt,
            AnsweredAt = status.Type == StatusEventType.Answer ? Min(leg.AnsweredAt, at) : leg.AnsweredAt,
            // A disconnect ends the call, not the leg's progress: it names the leg without moving it.
            Stage = status.Type == StatusEventType.Disconnect ? leg.Stage : Furthest(leg.Stage, stage),
            FirstSeen = EarlierFirstSeen(seen, leg.FirstSeen),
        };
        return facts with { Legs = facts.Legs.SetItem(number, leg) };
    }

    /// <summary>The most complete CDR, then the one that ended latest, then the greatest key: a total order, so arrival cannot matter.</summary>
    private static Picked<T> MostComplete<T>(Picked<T>? held, Picked<T> candidate)
    {
        if (held is null) return candidate;
        var order = held.Weight.CompareTo(candidate.Weight);
        if (order == 0) order = Nullable.Compare(held.At, candidate.At);
        if (order == 0) order = string.CompareOrdinal(held.Key, candidate.Key);
        return order >= 0 ? held : candidate;
    }

    /// <summary>The earliest item (unknown times last), then the least key.</summary>
    private static Picked<T> Earliest<T>(Picked<T>? held, Picked<T> candidate)
    {
        if (held is null) return candidate;
        var order = (held.At ?? DateTimeOffset.MaxValue).CompareTo(candidate.At ?? DateTimeOffset.MaxValue);
        if (order == 0) order = string.CompareOrdinal(held.Key, candidate.Key);
        return order <= 0 ? held : candidate;
    }

    /// <summary>The earliest second a leg was seen, with the furthest stage it reached in that second.</summary>
    private static (DateTimeOffset At, int Stage) EarlierFirstSeen((DateTimeOffset At, int Stage) a, (DateTimeOffset At, int Stage) b) =>
        a.At != b.At ? (a.At < b.At ? a : b) : (a.At, Math.Max(a.Stage, b.Stage));

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    internal static CallStatus Furthest(CallStatus a, CallStatus b) => a >= b ? a : b;

    private static CallStatus Furthest(CallStatus? a, CallStatus b) => a is { } held ? Furthest(held, b) : b;

    private static string? Least(string? a, string? b) => a is null ? b : b is null ? a : string.CompareOrdinal(a, b) <= 0 ? a : b;
}
