using CallGrains.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CallGrains.Operability.Health;

/// <summary>
/// Ready when a silo is active in the cluster and the store answers: then this node can take pushes. A node with a
/// push spool (<paramref name="spool"/>) also takes pushes while the store is away, as long as the spool has room: it
/// is then "degraded: spooling" (200), as it is while the spool still holds pushes to drain. The answer is
/// kept for <see cref="CacheFor"/>, so that load balancers probing every node often cannot turn probes into load on
/// the membership table and the store. One instance per host (a singleton), so the cache is the host's.
/// </summary>
public sealed class ReadinessCheck(IClusterClient cluster, IJournalReader journal, TimeProvider clock, ISpoolStatus? spool = null) : IHealthCheck
{
    /// <summary>The reason of a degraded answer: the node takes pushes into its spool, and its data may be behind.</summary>
    public const string Spooling = "spooling";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (HealthCheckResult Result, DateTimeOffset At)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Fresh() is { } cached) return cached;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Probes that queued behind the one that just looked take its answer.
            if (Fresh() is { } justChecked) return justChecked;
            var result = await LookAsync(cancellationToken);
            _last = (result, clock.GetUtcNow());
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private HealthCheckResult? Fresh() =>
        _last is { } last && clock.GetUtcNow() - last.At < CacheFor ? last.Result : null;

    private async Task<HealthCheckResult> LookAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        Exception? membership = null;
        try
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(timeout.Token);
            if (hosts.Count == 0) return HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The membership table is in the store: with the store away this fails too, which the store's probe tells.
            membership = ex;
        }
        try
        {
            await journal.ReadSessionAsync(ProbeSession, timeout.Token);
            if (membership is not null) return HealthCheckResult.Unhealthy("cluster did not answer: " + membership.GetType().Name);
            return spool is { IsSpooling: true } ? HealthCheckResult.Degraded(Spooling) : HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The store (or a timeout) failed: only a spool with room lets the node take pushes now.
            if (spool is { IsFull: false }) return HealthCheckResult.Degraded(Spooling);
            return HealthCheckResult.Unhealthy("cluster or store did not answer: " + ex.GetType().Name);
        }
    }

    /// <summary>The session the probe reads: no call has it, so the read is a cheap index look-up.</summary>
    public const string ProbeSession = "health:ready";
}
