namespace CallGrains.Domain.Pushes;

/// <summary>
/// One item of a push, as it is journaled: a status push whole (envelope and <c>statusInfo</c>),
/// or one CDR out of a <c>feeLst</c>. <see cref="Body"/> is the item's JSON text exactly as received.
/// </summary>
public sealed record PushItem(string SessionId, string EventType, string Body)
{
    public const string FeeEventType = "fee";

    public bool IsCdr => EventType == FeeEventType;
}
