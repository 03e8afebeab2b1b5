using System.Text.Json.Serialization;

namespace CallGrains.Domain.Calls;

/// <summary>
/// Why a call's view says what it says (<c>GET /v1/calls/{sessionId}/explain</c>): the session's journal as the fold saw
/// it, and for every field of the view its value, the rule that decided it and the items that did. Made by
/// <see cref="CallExplainer"/> from the journal, on request; nothing of it is kept.
/// </summary>
/// <param name="View">The view the explanation explains: the journal's, which is the grain's.</param>
/// <param name="Items">The journal's items in arrival order (at most <see cref="CallExplainer.MaxListedItems"/>).</param>
/// <param name="ItemsOmitted">Items past that many, not listed (only a session flooded past its item limit has them).</param>
public sealed record CallExplanation(
    string SessionId,
    int Version,
    [property: JsonIgnore] CallView View,
    IReadOnlyList<ExplainedItem> Items,
    int ItemsOmitted,
    IReadOnlyList<FieldExplanation> Fields);

/// <summary>One journaled item as the fold treated it.</summary>
/// <param name="Position">1-based, in arrival order: what fields refer to.</param>
/// <param name="EventTime">A status push's <c>timestamp</c>, a CDR's end (or failure) time; null when it has none or is unverified.</param>
/// <param name="Treatment">One of <see cref="ItemTreatments"/>.</param>
/// <param name="DuplicateOf">For a duplicate: the position of the item it repeats.</param>
public sealed record ExplainedItem(
    int Position,
    string EventType,
    DateTimeOffset? EventTime,
    string Key,
    DateTimeOffset ReceivedAt,
    string Treatment,
    int? DuplicateOf = null);

/// <summary>How the fold treated a journaled item.</summary>
public static class ItemTreatments
{
    /// <summary>Merged into the facts.</summary>
    public const string Folded = "folded";

    /// <summary>Failed a check: counted in the version and listed in <c>unverified</c>, decides nothing else.</summary>
    public const string Unverified = "unverified";

    /// <summary>Arrived past the session's item limit: journaled, not merged.</summary>
    public const string PastLimit = "past-limit";

    /// <summary>The same item key as an earlier item: merged once.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>Journaled without the call's grain and not caught up yet: not in the view.</summary>
    public const string Pending = "pending";
}

/// <summary>One field of the view and why it has its value.</summary>
/// <param name="Path">The field as the view's JSON names it: <c>status</c>, <c>legs[1].answeredAt</c>, <c>problems[0]</c>.</param>
/// <param name="Value">The field's value as the view's JSON writes it.</param>
/// <param name="Because">The rule's sentence with the items that decided and those outranked; never a phone number or digits.</param>
/// <param name="DecidedBy">Positions of the items that decided the value.</param>
/// <param name="Outranked">Positions of the items that were considered and lost to them.</param>
/// <param name="Omitted">Positions left out of the two lists, past <see cref="CallExplainer.MaxListedPositions"/> each.</param>
public sealed record FieldExplanation(
    string Path,
    [property: JsonConverter(typeof(RawJsonConverter))] string Value,
    string Rule,
    string Because,
    IReadOnlyList<int> DecidedBy,
    IReadOnlyList<int> Outranked,
    int Omitted = 0);
