namespace CallGrains.Domain.Pushes;

/// <summary>The status events the protocol defines (its <c>eventType</c> values), in the order a leg moves through them.</summary>
public enum StatusEventType { Callout, Alerting, Answer, CollectInfo, Disconnect }

/// <summary>One status push, typed. Times are UTC; absent or unreadable values are null.</summary>
public sealed record StatusEvent(
    StatusEventType Type,
    DateTimeOffset? Timestamp,
    string? Caller,
    string? Called,
    int? StateCode,
    string? StateDesc,
    string? DigitInfo,
    string? PartyType,
    string? UserData)
{
    /// <summary>The protocol's <c>eventType</c> word for a status event; null for a word it does not define.</summary>
    public static StatusEventType? TypeOf(string eventType) => eventType switch
    {
        "callout" => StatusEventType.Callout,
        "alerting" => StatusEventType.Alerting,
        "answer" => StatusEventType.Answer,
        "collectInfo" => StatusEventType.CollectInfo,
        "disconnect" => StatusEventType.Disconnect,
        _ => null,
    };
}
