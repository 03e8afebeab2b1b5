using CallGrains.Webhooks;

namespace CallGrains.Storage;

/// <summary>
/// Webhook subscriptions and their recent delivery attempts. Each subscription's grain is its only writer, so no
/// write needs to merge with another; the API reads lists and counts directly.
/// </summary>
public interface ISubscriptionStore
{
    /// <summary>How many attempts are kept per subscription (the newest).</summary>
    public const int KeptDeliveries = 100;

    /// <summary>How far a backlog is counted; a larger one is reported as this.</summary>
    public const long BacklogCountLimit = 10_000;

    /// <summary>Stores a new subscription; false when <paramref name="maxSubscriptions"/> already exist.</summary>
    Task<bool> CreateAsync(Subscription subscription, int maxSubscriptions, CancellationToken cancellationToken = default);

    Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every subscription, oldest first.</summary>
    Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a subscription's delivery state (cursor, status, secrets, last delivery and error) and appends its new
    /// attempts, keeping the newest <see cref="KeptDeliveries"/>. A deleted subscription stays deleted.
    /// </summary>
    Task SaveAsync(Subscription subscription, IReadOnlyList<DeliveryAttempt> attempts, CancellationToken cancellationToken = default);

    /// <summary>Removes the subscription and its attempts; false when there was none.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The newest attempts first.</summary>
    Task<IReadOnlyList<DeliveryAttempt>> ListDeliveriesAsync(string id, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many matching changes lie after the subscription's stored cursor, up to <see cref="BacklogCountLimit"/>.</summary>
    Task<long> BacklogAsync(Subscription subscription, CancellationToken cancellationToken = default);
}
