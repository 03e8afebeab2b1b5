using System.Text.Json.Serialization;
using CallGrains.Domain.Calls;
using CallGrains.Storage;

namespace CallGrains.Api.Calls;

/// <summary>
/// A journal entry as <c>GET /v1/calls/{sessionId}/events</c> shows it; <see cref="Body"/> is written as the JSON
/// exactly as it was received (personal data masked for a reader who may not see it).
/// </summary>
public sealed record CallEvent(
    DateTimeOffset ReceivedAt,
    string EventType,
    bool ChangedView,
    [property: JsonConverter(typeof(RawJsonConverter))] string Body,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Flag = null)
{
    public static CallEvent Of(JournalEntry entry, PersonalDataMasking masking) =>
        new(entry.Item.ReceivedAt, entry.Item.EventType, entry.ChangedView, masking.MaskEventBody(entry.Item.Body), entry.Item.Flag);
}

public sealed record CallList(IReadOnlyList<CallView> Items, string? Next);
