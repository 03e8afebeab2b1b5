namespace CallGrains.Storage;

/// <summary>
/// The push journal's write side: append-only. An append also upserts the call's projection row and records
/// its change in the same transaction, because a push is acknowledged only when all three are committed.
/// Calls are independent, so many appends can share one transaction (group commit) without changing this contract.
/// </summary>
public interface IPushJournal
{
    /// <summary>
    /// Commits the entry, the call row and the change together; an entry whose item key the session already
    /// holds writes nothing (no change either). Throws <see cref="StoreUnavailableException"/> when the store cannot commit.
    /// </summary>
    Task AppendAsync(CallAppend append, CancellationToken cancellationToken = default);
}

/// <summary>The push journal's read side: a session's entries in arrival order. Needs no writer, so query-only hosts hold none.</summary>
public interface IJournalReader
{
    Task<IReadOnlyList<JournalEntry>> ReadSessionAsync(string sessionId, CancellationToken cancellationToken = default);
}

/// <summary>The calls projection: the rows behind list queries.</summary>
public interface ICallsProjection
{
    Task<CallPage> ListAsync(CallQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many calls the query's filters select (its cursor and limit aside), counting no further than
    /// <paramref name="cap"/>: "some, at least this many" for a gauge, without reading one view.
    /// </summary>
    Task<int> CountAsync(CallQuery query, int cap, CancellationToken cancellationToken = default);
}

/// <summary>The requests projection: registrations, listed by business id.</summary>
public interface IRequestsProjection
{
    Task UpsertAsync(RequestRow request, CancellationToken cancellationToken = default);

    /// <summary>The requests registered under <paramref name="businessId"/>, only those <paramref name="tenant"/> owns when given.</summary>
    Task<IReadOnlyList<RequestRow>> ListByBusinessIdAsync(string businessId, TenantScope? tenant = null, CancellationToken cancellationToken = default);
}

/// <summary>The store could not commit or read: callers answer 503 and acknowledge nothing.</summary>
/// <remarks>Crosses grain boundaries, so it carries a message only: see <see cref="WithoutDriverDetail"/>.</remarks>
[GenerateSerializer, Alias("callgrains.store-unavailable")]
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>
    /// True when the work was refused before the store was tried (a writer's queue is full, or it is closing): the
    /// database may be up and merely behind. False (the default) when a commit or read was tried and failed, the one
    /// case a node may spool a push for, since spooling an overload would only move it to the drain.
    /// </summary>
    [Id(0)]
    public bool Refused { get; init; }

    /// <summary>The same failure without the driver's exception, which Orleans cannot send between silos and clients.</summary>
    public StoreUnavailableException WithoutDriverDetail() =>
        InnerException is null ? this : new StoreUnavailableException(Message) { Refused = Refused };
}
