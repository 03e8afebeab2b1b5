using CallGrains.Webhooks;

namespace CallGrains.Storage.InMemory;

/// <summary>The embedded default's subscriptions: process memory, gone at a restart like everything else in that mode.</summary>
public sealed partial class InMemorySubscriptionStore(IChangeFeed feed) : ISubscriptionStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<DeliveryAttempt>> _deliveries = new(StringComparer.Ordinal);

    public Task<bool> CreateAsync(Subscription subscription, int maxSubscriptions, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_subscriptions.Count >= maxSubscriptions || !_subscriptions.TryAdd(subscription.Id, subscription)) return Task.FromResult(false);
            _deliveries[subscription.Id] = new();
            return Task.FromResult(true);
        }
    }

    public Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_subscriptions.GetValueOrDefault(id));
    }

    public Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Subscription> all = [.. _subscriptions.Values.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)];
            return Task.FromResult(all);
        }
    }

    public Task SaveAsync(Subscription subscription, IReadOnlyList<DeliveryAttempt> attempts, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_subscriptions.ContainsKey(subscription.Id)) return Task.CompletedTask;
            _subscriptions[subscription.Id] = subscription;
            var kept = _deliveries[subscription.Id];
            foreach (var attempt in attempts) kept.Enqueue(attempt);
            while (kept.Count > ISubscriptionStore.KeptDeliveries) kept.Dequeue();
        }
        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _deliveries.Remove(id);
            return Task.FromResult(_subscriptions.Remove(id));
        }
    }

    public Task<IReadOnlyList<DeliveryAttempt>> ListDeliveriesAsync(string id, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DeliveryAttempt> newest = _deliveries.TryGetValue(id, out var kept) ? [.. kept.Reverse().Take(limit)] : [];
            return Task.FromResult(newest);
        }
    }

    public async Task<long> BacklogAsync(Subscription subscription, CancellationToken cancellationToken = default)
    {
        // Counted through the feed's own filter, a page at a time, so the count agrees with what the grain is sent.
        long count = 0;
        var after = subscription.Cursor;
        while (count < ISubscriptionStore.BacklogCountLimit)
        {
            var page = await feed.ReadAsync(subscription.Query(after), cancellationToken);
            count += page.Count;
            if (page.Count < ChangeQuery.MaxLimit) break;
            after = page[^1].Seq;
        }
        return Math.Min(count, ISubscriptionStore.BacklogCountLimit);
    }
}
