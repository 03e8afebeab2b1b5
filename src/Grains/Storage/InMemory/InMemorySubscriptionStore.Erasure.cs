using CallGrains.Webhooks;

namespace CallGrains.Storage.InMemory;

public sealed partial class InMemorySubscriptionStore
{
    /// <summary>
    /// Removes the delivery attempts of erased changes, and a last error that names one of them (it may quote the
    /// receiver's answer, which may echo the change); returns how many attempts went.
    /// </summary>
    internal int ForgetDeliveries(IReadOnlySet<long> seqs)
    {
        if (seqs.Count == 0) return 0;
        var removed = 0;
        lock (_gate)
        {
            foreach (var (id, kept) in _deliveries)
            {
                var keep = kept.Where(a => !seqs.Contains(a.Seq)).ToList();
                removed += kept.Count - keep.Count;
                if (keep.Count == kept.Count) continue;
                kept.Clear();
                foreach (var attempt in keep) kept.Enqueue(attempt);
            }
            foreach (var subscription in _subscriptions.Values.ToList())
                if (DeliveryErrors.Names(subscription.LastError, seqs))
                    _subscriptions[subscription.Id] = subscription with { LastError = null };
        }
        return removed;
    }
}
