using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orleans.Dashboard;

namespace CallGrains.Operability.Dashboard;

/// <summary>The official Orleans Dashboard (Microsoft.Orleans.Dashboard) at /dashboard on every node.</summary>
public static class DashboardExtensions
{
    public const string Path = "/dashboard";

    /// <summary>How often the dashboard samples the silo's counters (its default is every second).</summary>
    /// <remarks>
    /// Each sample observes Orleans' gauges, and some of them count by walking the activation and directory tables: at
    /// every second that was about 3 % of a loaded node's CPU (perf, 2026-11-29), growing with the calls in progress.
    /// Counters on the dashboard are therefore up to ten seconds old; /metrics is read only when scraped.
    /// </remarks>
    public const int CounterIntervalMs = 10_000;

    /// <summary>On a silo: collects grain statistics for the dashboard. The live log stream stays off: logs go to the log pipeline.</summary>
    public static ISiloBuilder AddCallGrainsDashboard(this ISiloBuilder silo) => silo.AddDashboard(o =>
    {
        o.HideTrace = true;
        o.CounterUpdateIntervalMs = CounterIntervalMs;
    });

    /// <summary>On a client of the cluster (the API in cluster mode): reads what the silos' dashboards collect.</summary>
    public static IClientBuilder AddCallGrainsDashboard(this IClientBuilder client) => client.AddDashboard(o => o.HideTrace = true);

    /// <summary>Mounts it; put <see cref="Access.BearerKey.UseBearerKeyFor"/> with <see cref="Path"/> in front of it.</summary>
    public static IEndpointRouteBuilder MapCallGrainsDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOrleansDashboard(routePrefix: Path).ExcludeFromDescription();
        return endpoints;
    }
}
