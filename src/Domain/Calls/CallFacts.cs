using System.Collections.Immutable;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// Everything a session's pushes have said, merged so that the order they arrived in cannot matter:
/// earliest time per leg stage, sets for digits and problems, and a deterministic pick where two items
/// disagree. This is what a grain keeps in memory instead of the raw items.
/// </summary>
/// <param name="Version">Distinct items merged so far: the view's version.</param>
/// <param name="Legs">Status facts per dialled number (<c>called</c>).</param>
/// <param name="UnplacedStage">How far events that name no number (or collected digits) got the call.</param>
/// <param name="Disconnect">The disconnect the view reports: the earliest, ties broken by item key.</param>
/// <param name="CollectInfoSeen">A <c>collectInfo</c> arrived, with or without digits: a prompt was answered.</param>
/// <param name="Cdr">The CDR the view reports: the most complete, then the latest end, then the greatest key.</param>
/// <param name="UserData">The ordinal-least <c>userData</c> of status and unknown events; the chosen CDR's wins over it.</param>
/// <param name="Caller">The ordinal-least <c>caller</c> of status events; the CDR's <c>callerNum</c> stands in for it.</param>
/// <param name="Unverified">Quarantined items by key: counted in the version and listed, never merged into anything else.</param>
public sealed record CallFacts(
    string SessionId,
    int Version,
    ImmutableSortedDictionary<string, LegFacts> Legs,
    CallStatus? UnplacedStage,
    Picked<StatusEvent>? Disconnect,
    bool CollectInfoSeen,
    ImmutableSortedSet<DigitPress> Digits,
    Picked<CdrView>? Cdr,
    string? UserData,
    string? Caller,
    ImmutableSortedSet<string> Problems,
    ImmutableSortedDictionary<string, UnverifiedItem> Unverified)
{
    /// <summary>A call is final once it has a CDR: the platform's record of how it went.</summary>
    public bool Final => Cdr is not null;

    /// <summary>What this session may hold; the fold cuts to it.</summary>
    public SessionLimits Limits { get; init; } = SessionLimits.Default;

    /// <summary>A limit cut something: problems, legs or CDR fields past their cap, or items past the session's.</summary>
    public bool Capped { get; init; }

    public static CallFacts Empty(string sessionId, SessionLimits? limits = null) => new(
        sessionId,
        Version: 0,
        NoLegs,
        UnplacedStage: null,
        Disconnect: null,
        CollectInfoSeen: false,
        ImmutableSortedSet<DigitPress>.Empty,
        Cdr: null,
        UserData: null,
        Caller: null,
        NoProblems,
        NoUnverified)
    {
        Limits = limits ?? SessionLimits.Default,
    };

    // Shared by every call: an empty immutable collection with a comparer of its own is an allocation, and a silo
    // holds one set of facts per active call.
    private static readonly ImmutableSortedDictionary<string, LegFacts> NoLegs = ImmutableSortedDictionary.Create<string, LegFacts>(StringComparer.Ordinal);
    private static readonly ImmutableSortedSet<string> NoProblems = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
    private static readonly ImmutableSortedDictionary<string, UnverifiedItem> NoUnverified = ImmutableSortedDictionary.Create<string, UnverifiedItem>(StringComparer.Ordinal);
}

/// <summary>
/// What status pushes said about one dialled number. <see cref="FirstSeen"/> orders legs when no CDR or
/// disconnect names A: the second of the leg's earliest event (unknown times last), and the furthest stage
/// the leg reached in that second (a disconnect counts as dialling: it ends the call, it does not move a leg).
/// </summary>
public sealed record LegFacts(
    string Number,
    DateTimeOffset? DialedAt,
    DateTimeOffset? RingingAt,
    DateTimeOffset? AnsweredAt,
    CallStatus Stage,
    (DateTimeOffset At, int Stage) FirstSeen);

/// <summary>One of several items that say the same kind of thing, with what decides between them.</summary>
public sealed record Picked<T>(T Value, string Key, DateTimeOffset? At, int Weight);

/// <summary>Digits collected by one <c>collectInfo</c>; ordered by time (unknown last), then digits, then identity.</summary>
public sealed record DigitPress(DateTimeOffset? At, string Digits, string Key) : IComparable<DigitPress>
{
    public int CompareTo(DigitPress? other)
    {
        if (other is null) return 1;
        var byTime = (At ?? DateTimeOffset.MaxValue).CompareTo(other.At ?? DateTimeOffset.MaxValue);
        if (byTime != 0) return byTime;
        var byDigits = string.CompareOrdinal(Digits, other.Digits);
        return byDigits != 0 ? byDigits : string.CompareOrdinal(Key, other.Key);
    }
}
