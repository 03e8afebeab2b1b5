using CallGrains.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CallGrains.Operability.Health;

/// <summary>Ready when a silo is active in the cluster and the store answers: then this node can take pushes.</summary>
public sealed class ReadinessCheck(IClusterClient cluster, IJournalReader journal) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(timeout.Token);
            if (hosts.Count == 0) return HealthCheckResult.Unhealthy("no active silo");
            await journal.ReadSessionAsync("health:ready", timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever failed (membership read, store, a timeout), the node cannot take pushes now.
            return HealthCheckResult.Unhealthy("cluster or store did not answer: " + ex.GetType().Name);
        }
    }
}
