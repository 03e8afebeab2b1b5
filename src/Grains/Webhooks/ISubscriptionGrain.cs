using Orleans.Concurrency;

namespace CallGrains.Webhooks;

/// <summary>
/// One webhook subscription, keyed by its id: the one sender of its changes (Orleans keeps a single activation),
/// draining matching changes from the feed in seq order, a session's changes one after another, and keeping its
/// cursor in the <see cref="CallGrains.Storage.ISubscriptionStore"/>. A reminder brings it back after a restart.
/// </summary>
public interface ISubscriptionGrain : IGrainWithStringKey
{
    /// <summary>Creates the subscription, delivering changes committed from now on; null when the configured maximum exists already.</summary>
    Task<Subscription?> CreateAsync(SubscriptionRequest request);

    /// <summary>A new secret; the previous one keeps signing too for a day. Null when there is no such subscription.</summary>
    Task<string?> RotateSecretAsync();

    /// <summary>Sends every matching change after <paramref name="after"/> again (and re-enables a disabled subscription); false when there is none.</summary>
    Task<bool> ReplayAsync(long after);

    /// <summary>Deletes the subscription; from the moment this starts, no further delivery begins. False when there was none.</summary>
    [AlwaysInterleave]
    Task<bool> DeleteAsync();

    /// <summary>
    /// Drops every change of these sessions that this subscription holds in memory (read, waiting or failed), because
    /// the calls were erased: none of them is sent from now on. A send already on the wire cannot be called back.
    /// </summary>
    [AlwaysInterleave]
    Task ForgetSessionsAsync(string[] sessionIds);

    /// <summary>New changes may be readable: look now rather than at the next poll.</summary>
    [OneWay, AlwaysInterleave]
    Task NudgeAsync();
}
