using CallGrains.Api.Calls;
using CallGrains.Api.Pushes;
using Microsoft.AspNetCore.HttpOverrides;
using CallGrains.Api.Operations;
using CallGrains.Domain.Calls;
using CallGrains.Api.Reference;
using CallGrains.Hosting;
using CallGrains.Operability.Access;
using CallGrains.Operability.Dashboard;
using CallGrains.Operability.Health;
using CallGrains.Operability.Telemetry;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Hosting;

public static class HostingExtensions
{
    /// <summary>
    /// The service's own options, bound and validated once: the returned instance is what the Orleans and HTTP
    /// wiring below are given, so a bad value stops the service here, naming its key, before anything starts.
    /// </summary>
    public static CallGrainsOptions AddCallGrainsOptions(this WebApplicationBuilder builder)
    {
        var options = builder.Services.AddValidatedOptions<CallGrainsOptions>(builder.Configuration, CallGrainsOptions.Section);
        // The service's own clock (push receipt, registrations, stuck-call deadlines), keyed so that a test can
        // move it forward without moving the clock the embedded silo's timers and membership run on.
        builder.Services.AddKeyedSingleton(ServiceTime.Key, TimeProvider.System);
        builder.Services.AddCallGrainsLimits(builder.Configuration);
        var stuck = builder.Services.AddValidatedOptions<StuckCallOptions>(builder.Configuration, StuckCallOptions.Section);
        builder.Services.AddSingleton(new DigitMasking(options.MaskDigits));
        builder.Services.AddSingleton(sp => new StuckCallWatch(stuck.Policy, sp.GetRequiredKeyedService<TimeProvider>(ServiceTime.Key)));
        return options;
    }

    /// <summary>
    /// With <c>ConnectionStrings:CallGrains</c> this process is a node of the PostgreSQL cluster: a silo that also
    /// serves the HTTP API, so a push's grain call stays in the process when its grain lives here (and a new call's
    /// grain does, see <c>CallSessionGrain</c>). With <c>CallGrains:Cluster:Role=api</c> it is a separate API tier
    /// instead: a stateless client of grain-only silos that reads lists from the projections directly. Without a
    /// database, the API hosts its own silo: one process, nothing to install, nothing durable.
    /// </summary>
    public static WebApplicationBuilder AddCallGrainsOrleans(this WebApplicationBuilder builder, CallGrainsOptions options)
    {
        var connectionString = builder.Configuration.GetConnectionString(ClusterSettings.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            builder.UseOrleans(silo => silo.UseCallGrainsLocalSilo(options.Embedded.SiloPort, options.Embedded.GatewayPort));
            builder.Services.AddHostedService<EmbeddedModeNotice>();
            return builder;
        }

        var cluster = builder.Services.AddValidatedOptions<ClusterSettings>(builder.Configuration, ClusterSettings.Section);
        if (!options.AllowAnonymous && ApiKeyTable.Configured(builder.Configuration).Count == 0)
            throw new InvalidOperationException(
                "Cluster mode needs API keys for the business endpoints: set CallGrains:ApiKeys (e.g. CallGrains__ApiKeys__0=<key>) " +
                "or tenants' keys (CallGrains:Tenants:<name>:Keys), " +
                "or set CallGrains:AllowAnonymous=true to serve them without keys on purpose.");
        if (cluster.Role == ClusterRole.Node)
        {
            builder.UseOrleans(silo => silo.UseCallGrainsClusterSilo(cluster, connectionString));
            return builder;
        }

        builder.UseOrleansClient(client => client
            .UseCallGrainsCluster(cluster)
            .UseCallGrainsPostgresClustering(connectionString)
            .AddActivityPropagation()
            .AddCallGrainsDashboard());
        builder.Services.AddCallGrainsPostgresReads(connectionString);
        return builder;
    }

    public static WebApplicationBuilder AddCallGrainsHttp(this WebApplicationBuilder builder, CallGrainsOptions options)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<StoreOutageHandler>();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            CallJson.Configure(o.SerializerOptions);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        builder.Services.AddCallGrainsApiReference();
        builder.AddCallGrainsTelemetry("callgrains-api");
        builder.Services.AddCallGrainsHealthChecks();
        builder.Services.AddHostedService<StuckCallGauge>();
        builder.Services.AddCallGrainsApiKeys(builder.Configuration);
        builder.Services.AddSingleton<ApiKeyFilter>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.Services.AddCallGrainsKnownProxies(options.KnownProxies);
        return builder;
    }

    /// <summary>
    /// X-Forwarded-For is believed only from the configured proxies (none by default, not even loopback): the
    /// push network allow-list and the rate limit key on the client's address, which a client must not choose.
    /// </summary>
    private static IServiceCollection AddCallGrainsKnownProxies(this IServiceCollection services, string[] proxies)
    {
        var networks = AddressRanges.Parse(proxies, CallGrainsOptions.Section + ":KnownProxies");
        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var network in networks.All) forwarded.KnownIPNetworks.Add(network);
        });
        return services;
    }

    public static WebApplication UseCallGrainsHttp(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<CallGrainsOptions>>().Value.KnownProxies.Length > 0) app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UsePathIdCheck();
        // The dashboard and the reference page are as open as the business endpoints: keyed when those are. The
        // dashboard shows every tenant's grains, so a tenant's key does not open it.
        app.UseBearerKeyFor(allTenants: true, DashboardExtensions.Path);
        app.UseBearerKeyFor(allTenants: false, ApiReference.DocsPath);
        return app;
    }
}

/// <summary>Says once, loudly, that the embedded default keeps nothing across restarts.</summary>
internal sealed partial class EmbeddedModeNotice(ILogger<EmbeddedModeNotice> logger, IOptions<CallGrainsOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogEmbedded(logger, options.Value.Embedded.SiloPort);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded mode: in-process silo on port {SiloPort} with in-memory storage. NOTHING IS DURABLE: every call, push and request is lost when this process stops. Configure PostgreSQL for durable storage.")]
    private static partial void LogEmbedded(ILogger logger, int siloPort);
}
