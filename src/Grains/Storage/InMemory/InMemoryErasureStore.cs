namespace CallGrains.Storage.InMemory;

/// <summary>
/// Erasure on the embedded store: the journal, calls and changes of <see cref="InMemoryStore"/>, the delivery records
/// of <see cref="InMemorySubscriptionStore"/> (when that is the subscription store), and the audit records, which
/// are as volatile as everything else in this mode.
/// </summary>
public sealed class InMemoryErasureStore(InMemoryStore store, InMemorySubscriptionStore? subscriptions) : IErasureStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, ErasureRecord> _records = [];

    public Task<ErasedRows> EraseSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var (rows, seqs) = store.EraseSession(sessionId);
        var deliveries = subscriptions?.ForgetDeliveries(seqs) ?? 0;
        return Task.FromResult(rows with { Deliveries = deliveries });
    }

    public Task<ErasedRows> EraseRequestAsync(string userData, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ErasedRows(RequestRows: store.EraseRequest(userData)));

    public Task RecordAsync(ErasureRecord record, CancellationToken cancellationToken = default)
    {
        lock (_gate) _records[record.Id] = record;
        return Task.CompletedTask;
    }

    public Task<ErasureRecord?> FindRecordAsync(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_records.GetValueOrDefault(id));
    }
}
