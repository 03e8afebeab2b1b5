namespace CallGrains.Storage;

/// <summary>
/// What a node's push spool says about the node, for readiness and reads: whether it holds pushes the store does not
/// have yet (the node is spooling: its data may be behind), and whether it has no room for more.
/// </summary>
public interface ISpoolStatus
{
    /// <summary>The spool holds pushes not yet drained into the store.</summary>
    bool IsSpooling { get; }

    /// <summary>The spool refused a push for lack of room and has not written one since: pushes it would take are 503.</summary>
    bool IsFull { get; }
}
