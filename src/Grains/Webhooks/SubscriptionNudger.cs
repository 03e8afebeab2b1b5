using System.Collections.Concurrent;
using CallGrains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallGrains.Webhooks;

/// <summary>
/// Keeps delivery lag low without each subscription polling the store hard: when this silo commits changes
/// (<see cref="ChangeSignal"/>), every live subscription grain gets a one-way nudge to look now, wherever it lives, so
/// the commits of every silo wake every subscription. The grains delivered here are nudged from their activation on
/// (<see cref="Track"/>); those elsewhere once this silo's list of subscriptions, read every 2 s, names them. The same
/// pass also wakes subscriptions whose grain is not active yet (after a restart) before their reminder would. Every
/// 10 s it also counts the backlog for the <c>callgrains.webhook.backlog</c> gauge.
/// </summary>
public sealed partial class SubscriptionNudger(
    ChangeSignal signal, ISubscriptionStore store, IGrainFactory grains, WebhookMetrics metrics, ILogger<SubscriptionNudger> logger)
    : BackgroundService
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BacklogInterval = TimeSpan.FromSeconds(10);
    // Pulses closer together than this are answered with one nudge: at a high ingest rate a grain reads a batch anyway.
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentDictionary<string, bool> _local = new(StringComparer.Ordinal);

    /// <summary>A subscription grain delivering in this silo: nudged from now on, not only once the store's list names it.</summary>
    public void Track(string id) => _local.TryAdd(id, true);

    public void Forget(string id) => _local.TryRemove(id, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<string> listed = [];
        var refreshedAt = DateTimeOffset.MinValue;
        var countedAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var pulse = signal.Next;
            try
            {
                if (DateTimeOffset.UtcNow - refreshedAt >= RefreshInterval)
                {
                    refreshedAt = DateTimeOffset.UtcNow;
                    var all = await store.ListAsync(stoppingToken);
                    listed = [.. all.Where(s => s.Status != SubscriptionStatus.Disabled).Select(s => s.Id)];
                    if (refreshedAt - countedAt >= BacklogInterval)
                    {
                        countedAt = refreshedAt;
                        long backlog = 0;
                        foreach (var subscription in all) backlog += await store.BacklogAsync(subscription, stoppingToken);
                        metrics.Backlog(backlog);
                    }
                }
                foreach (var id in listed.Union(_local.Keys)) await grains.GetGrain<ISubscriptionGrain>(id).NudgeAsync();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                // The silo is still starting or the store is away: the grains' own polling covers the gap.
                LogNudgeFailed(logger, ex);
            }
            try
            {
                await ChangeSignal.WaitAsync(pulse, RefreshInterval, stoppingToken);
                await Task.Delay(Coalesce, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not nudge webhook subscriptions")]
    private static partial void LogNudgeFailed(ILogger logger, Exception exception);
}
