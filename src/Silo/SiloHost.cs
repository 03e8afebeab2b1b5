using CallGrains.Hosting;
using CallGrains.Operability.Access;
using CallGrains.Operability.Dashboard;
using CallGrains.Operability.Health;
using CallGrains.Operability.Telemetry;

namespace CallGrains.Silo;

/// <summary>
/// The grain-only host, for a cluster whose HTTP API is a separate tier (<c>CallGrains:Cluster:Role=api</c>); a co-hosted
/// node (<c>CallGrains.Api</c>) starts the same silo itself. With <c>ConnectionStrings:CallGrains</c> it joins the
/// PostgreSQL cluster; without it, a single localhost silo with memory storage, to try the grains alone. Either way it
/// serves operators over HTTP: /metrics, /health/live, /health/ready and /dashboard (behind CallGrains:ApiKeys when set).
/// </summary>
public static class SiloHost
{
    public static WebApplication Build(string[] args)
    {
        // appsettings.json is read from next to the assembly, wherever the process is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var connectionString = builder.Configuration.GetConnectionString(ClusterSettings.ConnectionStringName);
        var cluster = builder.Services.AddValidatedOptions<ClusterSettings>(builder.Configuration, ClusterSettings.Section);
        var silo = builder.Services.AddValidatedOptions<SiloOptions>(builder.Configuration, SiloOptions.Section);
        builder.Services.AddCallGrainsLimits(builder.Configuration);
        builder.UseOrleans(orleans =>
        {
            if (string.IsNullOrWhiteSpace(connectionString)) orleans.UseCallGrainsLocalSilo(cluster.SiloPort, cluster.GatewayPort);
            else orleans.UseCallGrainsClusterSilo(cluster, connectionString);
        });
        builder.AddCallGrainsTelemetry("callgrains-silo");
        builder.Services.AddCallGrainsHealthChecks();
        builder.Services.AddCallGrainsApiKeys(builder.Configuration);
        if (!HasConfiguredUrls(builder.Configuration)) builder.WebHost.UseUrls($"http://localhost:{silo.HttpPort}");

        var app = builder.Build();
        app.UseBearerKeyFor(allTenants: true, DashboardExtensions.Path);
        app.MapCallGrainsHealth();
        app.MapCallGrainsMetrics();
        app.MapCallGrainsDashboard();
        return app;
    }

    /// <summary>Whether the host was told where to listen the standard way (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, --urls, Urls).</summary>
    private static bool HasConfiguredUrls(IConfiguration configuration) =>
        new[] { "urls", "http_ports", "https_ports" }.Any(key => !string.IsNullOrWhiteSpace(configuration[key]));
}
