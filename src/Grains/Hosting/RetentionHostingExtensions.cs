using CallGrains.Retention;
using CallGrains.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallGrains.Hosting;

/// <summary>Retention in a silo: its options, its metrics, and at start the room ahead and the job's reminder.</summary>
public static class RetentionHostingExtensions
{
    /// <summary>Retention over the in-memory store (<see cref="CallGrainsSiloExtensions.UseCallGrainsInMemoryStorage"/>): the periodic sweep.</summary>
    public static ISiloBuilder AddCallGrainsInMemoryRetention(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<IRetentionStore>(sp => sp.GetRequiredService<InMemoryStore>());
        return silo.AddCallGrainsRetention();
    }

    /// <summary>
    /// Needs an <see cref="IRetentionStore"/> from the storage wiring. At start each silo makes the coming weeks ready
    /// itself (so a silo never takes pushes into a DEFAULT partition while the job has not run yet) and registers the
    /// job's reminder; neither failing stops the silo (the job tries again at every run).
    /// </summary>
    public static ISiloBuilder AddCallGrainsRetention(this ISiloBuilder silo)
    {
        silo.Services.AddValidatedOptions<RetentionOptions>(silo.Configuration, RetentionOptions.Section);
        silo.Services.TryAddSingleton<RetentionMetrics>();
        silo.AddStartupTask(async (services, cancellationToken) =>
        {
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RetentionJobGrain));
            try
            {
                var now = ServiceTime.Of(services).GetUtcNow();
                var ahead = services.GetRequiredService<IOptions<RetentionOptions>>().Value.Ahead;
                await services.GetRequiredService<IRetentionStore>().PrepareAsync(now, now + ahead, cancellationToken);
                await services.GetRequiredService<IGrainFactory>().GetGrain<IRetentionJobGrain>(IRetentionJobGrain.Key).StartAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Retention could not prepare at start; its job tries again at every run");
            }
        });
        return silo;
    }
}
