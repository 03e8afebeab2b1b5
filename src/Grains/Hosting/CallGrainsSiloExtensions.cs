using CallGrains.Requests;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;

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
        return silo;
    }

    /// <param name="store">A store to share, e.g. between the silos of one test cluster; a new one when null.</param>
    public static IServiceCollection AddCallGrainsInMemoryStore(this IServiceCollection services, InMemoryStore? store = null)
    {
        if (store is null) services.AddSingleton<InMemoryStore>();
        else services.AddSingleton(store);
        services.AddSingleton<IPushJournal>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<ICallsProjection>(sp => sp.GetRequiredService<InMemoryStore>());
        services.AddSingleton<IRequestsProjection>(sp => sp.GetRequiredService<InMemoryStore>());
        return services;
    }
}
