using CallGrains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallGrains.Webhooks;

/// <summary>
/// Keeps delivery lag low without each subscription polling the store hard: when this silo commits changes
/// (<see cref="ChangeSignal"/>), every live subscription grain gets a one-way nudge to look now. Its periodic pass also
/// wakes subscriptions whose grain is not active yet (after a restart) before their reminder would. Every 10 s it also
/// counts the backlog for the <c>callgrains.webhook.backlog</c> gauge.
/// </summary>
public sealed partial class SubscriptionNudger(
    ChangeSignal signal, ISubscriptionStore store, IGrainFactory grains, WebhookMetrics metrics, ILogger<SubscriptionNudger> logger)
    : BackgroundService
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BacklogInterval = TimeSpan.FromSeconds(10);
    // Pulses closer together than this are answered with one nudge: at a high ingest rate a grain reads a batch anyway.
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<string> live = [];
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
                    live = [.. all.Where(s => s.Status != SubscriptionStatus.Disabled).Select(s => s.Id)];
                    if (refreshedAt - countedAt >= BacklogInterval)
                    {
                        countedAt = refreshedAt;
                        long backlog = 0;
                        foreach (var subscription in all) backlog += await store.BacklogAsync(subscription, stoppingToken);
                        metrics.Backlog(backlog);
                    }
                }
                foreach (var id in live) await grains.GetGrain<ISubscriptionGrain>(id).NudgeAsync();
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
