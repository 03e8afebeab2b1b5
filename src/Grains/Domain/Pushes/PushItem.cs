namespace CallGrains.Domain.Pushes;

/// <summary>
/// One item of a push, as it is journaled: a status push whole (envelope and <c>statusInfo</c>),
/// or one CDR out of a <c>feeLst</c>. <see cref="Body"/> is the item's JSON text exactly as received.
/// </summary>
/// <param name="Flag">What the receiver noted about how the item arrived (e.g. a signature that did not verify),
/// journaled with it and shown among the call's problems; not part of the item's identity.</param>
public sealed record PushItem(string SessionId, string EventType, string Body, string? Flag = null)
{
    public const string FeeEventType = "fee";

    public bool IsCdr => EventType == FeeEventType;
}
