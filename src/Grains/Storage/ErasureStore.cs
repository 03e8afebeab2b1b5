namespace CallGrains.Storage;

/// <summary>
/// Erasure: removes what the store holds of one call or one request, and keeps an audit record of it. The call's
/// grain and the request's grain call it (each in its own turn, so no push or registration of theirs interleaves);
/// the API writes the audit record.
/// </summary>
public interface IErasureStore
{
    /// <summary>
    /// Removes, in one transaction, the session's journal entries (pending ones included), its calls row, its changes,
    /// and the webhook delivery records of those changes (a receiver's answer may echo the data).
    /// </summary>
    Task<ErasedRows> EraseSessionAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Removes the request's row of the requests projection (its registration lives in grain storage).</summary>
    Task<ErasedRows> EraseRequestAsync(string userData, CancellationToken cancellationToken = default);

    /// <summary>Stores the audit record of one erasure.</summary>
    Task RecordAsync(ErasureRecord record, CancellationToken cancellationToken = default);

    /// <summary>The audit record with this id, or null.</summary>
    Task<ErasureRecord?> FindRecordAsync(Guid id, CancellationToken cancellationToken = default);
}

/// <summary>How many stored rows an erasure removed, by where they were.</summary>
[GenerateSerializer, Immutable, Alias("callgrains.erased-rows")]
public sealed record ErasedRows(
    [property: Id(0)] int JournalEntries = 0,
    [property: Id(1)] int CallRows = 0,
    [property: Id(2)] int Changes = 0,
    [property: Id(3)] int Deliveries = 0,
    [property: Id(4)] int RequestRows = 0)
{
    public static ErasedRows None { get; } = new();

    public int Total => JournalEntries + CallRows + Changes + Deliveries + RequestRows;

    public static ErasedRows operator +(ErasedRows a, ErasedRows b) => new(
        a.JournalEntries + b.JournalEntries, a.CallRows + b.CallRows, a.Changes + b.Changes,
        a.Deliveries + b.Deliveries, a.RequestRows + b.RequestRows);
}

/// <summary>
/// The audit record of one erasure, without personal data: what kind of thing was erased, a keyed hash of its id
/// (never the session id or userData itself), who asked (the key's configuration name and tenant, never the key),
/// when, and how many rows went.
/// </summary>
/// <param name="Kind"><see cref="ErasureKinds"/>.</param>
/// <param name="SubjectHash">Hex HMAC-SHA256 of the session id or userData under the configured audit key.</param>
/// <param name="Calls">How many calls were erased (a request erases every call matched to it).</param>
public sealed record ErasureRecord(
    Guid Id,
    string Kind,
    string SubjectHash,
    string Who,
    string? Tenant,
    DateTimeOffset At,
    int Calls,
    ErasedRows Rows);

public static class ErasureKinds
{
    public const string Call = "call";
    public const string Request = "request";
}
