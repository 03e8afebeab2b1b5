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
    /// A sample asks the management grain for the silo's runtime statistics, which grow with the calls in progress, so
    /// the dashboard's silo figures are up to ten seconds old. Not paced by this: the dashboard also reads Orleans' meter
    /// every second through an OpenTelemetry reader of its own, whose interval no option sets, and two of Orleans' gauges
    /// walk the activation and directory tables when read (2.7 % of an embedded node's CPU at 6,000 pushes/s, perf,
    /// 2026-11-30). /metrics reads them only when scraped.
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
