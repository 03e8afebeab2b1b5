namespace CallGrains.Domain.Pushes;

/// <summary>
/// One item of a push: a status push whole (envelope and <c>statusInfo</c>), or one CDR out of a
/// <c>feeLst</c>. This is what CallGrains journals and folds; <see cref="Body"/> is the item's JSON text exactly
/// as received.
/// </summary>
/// <param name="ReceivedAt">When CallGrains received the push that carried the item (the service clock).</param>
/// <param name="Flag">What the receiver noted about how the item arrived (e.g. a signature that did not verify),
/// journaled with it and shown among the call's problems; not part of the item's identity.</param>
public sealed record PushItem(string SessionId, string EventType, string Body, DateTimeOffset ReceivedAt, string? Flag = null)
{
    public const string FeeEventType = "fee";

    public bool IsCdr => EventType == FeeEventType;

    /// <summary>
    /// What <see cref="Body"/> says, read while the push was parsed, so that the grain does not read it again; null for
    /// an item read back from the journal (<see cref="ItemReading.Of"/> then reads the body). The body's reading, before
    /// any <see cref="Flag"/> quarantines it. Held with the body and event type it was read from, so a copy with another
    /// body or type (<c>with</c>) reads its own.
    /// </summary>
    public ItemReading? Reading
    {
        get => _read is var (body, eventType, reading) && ReferenceEquals(body, Body) && ReferenceEquals(eventType, EventType) ? reading : null;
        init => _read = value is null ? null : (Body, EventType, value);
    }

    private readonly (string Body, string EventType, ItemReading Reading)? _read;

    public bool Equals(PushItem? other) =>
        other is not null && SessionId == other.SessionId && EventType == other.EventType && Body == other.Body
        && ReceivedAt == other.ReceivedAt && Flag == other.Flag;

    public override int GetHashCode() => HashCode.Combine(SessionId, EventType, Body, ReceivedAt, Flag);
}
