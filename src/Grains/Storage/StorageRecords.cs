using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Domain.Pushes;
using CallGrains.Domain.Requests;

namespace CallGrains.Storage;

/// <summary>A push item as the journal holds it: the truth a call's view is re-derived from.</summary>
/// <param name="ItemKey">The item's identity (<see cref="ItemReading.Key"/>): a session never journals the same key twice.</param>
/// <param name="ChangedView">Whether the item changed the view (beyond its version) when it arrived.</param>
/// <param name="Folded">False for an item that arrived past the session's item limit: kept, never folded.</param>
/// <param name="Projected">False for a pending item (<see cref="IPendingJournal"/>): journaled without its grain, not yet
/// folded into the projection; <see cref="ChangedView"/> and <see cref="Folded"/> mean nothing until it is.</param>
public sealed record JournalEntry(PushItem Item, string ItemKey, bool ChangedView, bool Folded = true, bool Projected = true)
{
    public string SessionId => Item.SessionId;
}

/// <summary>
/// Everything one stored item writes, in one transaction: its journal entry, the call's projection row at the
/// new version, and the change that version makes in the feed.
/// </summary>
/// <param name="ChangeType">A <see cref="ChangeTypes"/> value; null for an item that did not raise the version
/// (one past the session's item limit), which makes no change.</param>
public sealed record CallAppend(JournalEntry Entry, CallRow Call, string? ChangeType)
{
    public CallChange? ToChange(long seq) => ChangeType is { } type
        ? new(seq, type, Call.SessionId, Call.Version, Call.UserData, Entry.Item.ReceivedAt, Call.ViewJson)
        : null;
}

/// <summary>The queryable projection of one call: filter columns plus the view as JSON.</summary>
/// <param name="FirstReceivedAt">When CallGrains first heard of the call; lists are ordered and filtered by it.</param>
/// <param name="Unverified">How many of its items failed a check (quarantined); lists filter on it.</param>
public sealed record CallRow(
    string SessionId,
    string? UserData,
    CallStatus Status,
    CallOutcome? Outcome,
    bool Final,
    DateTimeOffset FirstReceivedAt,
    DateTimeOffset UpdatedAt,
    int Version,
    ViewJson ViewJson,
    int Unverified = 0)
{
    /// <summary>
    /// The <see cref="CallFold.Version"/> that wrote the row: an older one marks a row to re-derive (see
    /// <see cref="IStoredViews"/>). A row written by a build that recorded none reads as 0, unknown.
    /// </summary>
    public int FoldVersion { get; init; } = CallFold.Version;

    /// <summary>The row of a stored view (its <see cref="CallView.UpdatedAt"/> set) rendered as <paramref name="viewJson"/>.</summary>
    public static CallRow Of(CallView view, DateTimeOffset firstReceivedAt, ViewJson viewJson) =>
        new(view.SessionId, view.UserData, view.Status, view.Outcome, view.Final, firstReceivedAt,
            view.UpdatedAt ?? firstReceivedAt, view.Version, viewJson, view.Unverified.Count);

    public CallSummary ToSummary() => new(SessionId, Status, Outcome, Final, UpdatedAt, Version, Unverified);
}

/// <summary>A business request as listed by business id.</summary>
public sealed record RequestRow(
    string UserData,
    string Kind,
    string BusinessId,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt);

/// <summary>A filter over the calls projection; newest first, keyset-paged by <see cref="Cursor"/>.</summary>
/// <param name="Unverified">true: only calls with an unverified item; false: only calls without.</param>
/// <param name="Tenant">Only the calls this tenant owns; null for every call.</param>
public sealed record CallQuery(
    string? UserData = null,
    CallStatus? Status = null,
    CallOutcome? Outcome = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = CallQuery.DefaultLimit,
    CallCursor? Cursor = null,
    StuckFilter? Stuck = null,
    bool? Unverified = null,
    TenantScope? Tenant = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}

/// <summary>Only calls stuck in the way <see cref="Kind"/> names as of <see cref="Now"/>, by <see cref="Policy"/>.</summary>
public sealed record StuckFilter(StuckKind Kind, StuckCallPolicy Policy, DateTimeOffset Now)
{
    /// <summary>The latest last push a stuck call can have: what the SQL filter compares against.</summary>
    public DateTimeOffset SilentSince => Policy.SilentSince(Kind, Now);

    public bool Matches(CallRow row) => Policy.Is(Kind, row.Status, row.Final, row.UpdatedAt, Now);
}

/// <summary>A page of calls and where the next one starts (null on the last page).</summary>
public sealed record CallPage(IReadOnlyList<CallRow> Items, CallCursor? Next);
