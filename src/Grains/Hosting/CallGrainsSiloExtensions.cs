using CallGrains.Requests;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using CallGrains.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;

namespace CallGrains.Hosting;

/// <summary>Wiring shared by the standalone silo, the API's embedded silo and the test clusters.</summary>
public static class CallGrainsSiloExtensions
{
    /// <summary>
    /// The embedded default: journal, projections and grain storage in process memory. Nothing survives a
    /// restart. The same <see cref="InMemoryStore"/> serves the grains and the API's list queries.
    /// </summary>
    public static ISiloBuilder UseCallGrainsInMemoryStorage(this ISiloBuilder silo)
    {
        silo.AddMemoryGrainStorage(BusinessRequestGrain.StorageName);
        silo.Services.AddCallGrainsInMemoryStore();
        silo.UseInMemoryReminderService();
        silo.AddCallGrainsReprojection();
        silo.AddCallGrainsWebhooks();
        silo.AddCallGrainsCatchUp();
        return silo;
    }

    /// <summary>
    /// A silo of a real cluster: its identity, endpoints and failure detection from <see cref="ClusterSettings"/>.
    /// The membership table itself is the storage's business.
    /// </summary>
    public static ISiloBuilder UseCallGrainsCluster(this ISiloBuilder silo, ClusterSettings cluster)
    {
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId))
            .ConfigureEndpoints(cluster.ResolveAdvertisedAddress(), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true)
            .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(cluster.ResponseTimeoutSeconds))
            .Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(cluster.ProbeTimeoutSeconds));
        return silo;
    }

    /// <summary>A client (the API) of a real cluster, failing grain calls as soon as the silos would.</summary>
    public static IClientBuilder UseCallGrainsCluster(this IClientBuilder client, ClusterSettings cluster) =>
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId))
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(cluster.ResponseTimeoutSeconds));

    /// <summary>The limits grains enforce, from "CallGrains:Limits"; bad values stop the host at start.</summary>
    public static IServiceCollection AddCallGrainsLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RequestLimits>(configuration, RequestLimits.Section);
        services.AddValidatedOptions<SessionLimitOptions>(configuration, SessionLimitOptions.Section);
        return services;
    }

    /// <param name="store">A store to share, e.g. between the silos of one test cluster; a new one when null.</param>
    public static IServiceCollection AddCallGrainsInMemoryStore(this IServiceCollection services, InMemoryStore? store = null)
    {
        services.TryAddSingleton<ChangeSignal>();
        services.AddCallGrainsMetrics();
        if (store is null) services.AddSingleton(sp => new InMemoryStore(sp.GetRequiredService<ChangeSignal>()));
        else services.AddSingleton(store);
        services.AddSingleton<IPushJournal>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<IJournalReader>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<IStoredViews>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<IPendingJournal>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<ICallsProjection>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<IRequestsProjection>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<ICallExport>(sp => sp.GetRequiredService<InMemoryStore>());
        services.TryAddSingleton<ISubscriptionStore>(sp => new InMemorySubscriptionStore(sp.GetRequiredService<IChangeFeed>()));
        services.AddSingleton<IErasureStore>(sp => new InMemoryErasureStore(
            sp.GetRequiredService<InMemoryStore>(), sp.GetRequiredService<ISubscriptionStore>() as InMemorySubscriptionStore));
        return services;
    }
}
