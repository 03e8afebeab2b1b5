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
}
