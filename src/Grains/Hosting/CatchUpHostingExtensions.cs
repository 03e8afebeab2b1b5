using CallGrains.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CallGrains.Hosting;

/// <summary>Catching calls up with items journaled without their grain: the nudges, and in a silo the sweep.</summary>
public static class CatchUpHostingExtensions
{
    /// <summary>
    /// <see cref="CatchUpNudges"/> with validated "CallGrains:CatchUp" settings, for any host that journals pending items
    /// (a node, or a separate API tier); it needs an <see cref="CallGrains.Storage.IPendingJournal"/> registered.
    /// </summary>
    public static IServiceCollection AddCallGrainsCatchUpNudges(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CatchUpOptions>(configuration, CatchUpOptions.Section);
        services.TryAddSingleton<CatchUpNudges>();
        return services;
    }

    /// <summary>The nudges, and the sweep: started once the silo is active (its grain calls work then), stopped first at shutdown.</summary>
    public static ISiloBuilder AddCallGrainsCatchUp(this ISiloBuilder silo)
    {
        silo.Services.AddCallGrainsCatchUpNudges(silo.Configuration);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, CatchUpSweep>();
        return silo;
    }

    private sealed class CatchUpSweep(CatchUpNudges nudges) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(CatchUpSweep), ServiceLifecycleStage.Active,
                _ =>
                {
                    nudges.StartSweeping();
                    return Task.CompletedTask;
                },
                async _ => await nudges.DisposeAsync());
    }
}
