using CallGrains.Domain.Calls;

namespace CallGrains.Storage;

/// <summary>One journaled push item: the truth a call's view is re-derived from.</summary>
/// <param name="ItemKey">The item's identity (<see cref="CallFold.KeyOf"/>): a session never journals the same key twice.</param>
/// <param name="ChangedView">Whether the item changed the view (beyond its version) when it arrived.</param>
/// <param name="Flag">The receiver's note on how the item arrived (e.g. an unverified signature), or null.</param>
public sealed record JournalEntry(
    string SessionId,
    string ItemKey,
    string EventType,
    string Body,
    DateTimeOffset ReceivedAt,
    bool ChangedView,
    string? Flag = null);

/// <summary>The queryable projection of one call: filter columns plus the view as JSON.</summary>
/// <param name="FirstReceivedAt">When CallGrains first heard of the call; lists are ordered and filtered by it.</param>
public sealed record CallRow(
    string SessionId,
    string? UserData,
    CallStatus Status,
    CallOutcome? Outcome,
    bool Final,
    DateTimeOffset FirstReceivedAt,
    DateTimeOffset UpdatedAt,
    int Version,
    string ViewJson);

/// <summary>A business request as listed by business id.</summary>
public sealed record RequestRow(
    string UserData,
    string Kind,
    string BusinessId,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt);

/// <summary>A filter over the calls projection; newest first, keyset-paged by <see cref="Cursor"/>.</summary>
public sealed record CallQuery(
    string? UserData = null,
    CallStatus? Status = null,
    CallOutcome? Outcome = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = CallQuery.DefaultLimit,
    CallCursor? Cursor = null,
    StuckFilter? Stuck = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}

/// <summary>Only stuck calls: those of <see cref="Kind"/> whose last push arrived at or before <see cref="SilentSince"/>.</summary>
public sealed record StuckFilter(StuckKind Kind, DateTimeOffset SilentSince)
{
    public bool Matches(CallRow row) => row.UpdatedAt <= SilentSince && Kind switch
    {
        StuckKind.CdrOverdue => row.Status == CallStatus.Ended && !row.Final,
        _ => row.Status != CallStatus.Ended,
    };
}

/// <summary>Ended waiting for a CDR, or in progress and silent.</summary>
public enum StuckKind { CdrOverdue, Stale }

/// <summary>A page of calls and where the next one starts (null on the last page).</summary>
public sealed record CallPage(IReadOnlyList<CallRow> Items, CallCursor? Next);
