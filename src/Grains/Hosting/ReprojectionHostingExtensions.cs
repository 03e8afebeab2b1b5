using CallGrains.Reprojection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallGrains.Hosting;

/// <summary>The re-derivation job in a silo: its options, and at start its reminder.</summary>
public static class ReprojectionHostingExtensions
{
    /// <summary>
    /// Needs an <see cref="CallGrains.Storage.IStoredViews"/> from the storage wiring. At start each silo asks the job to
    /// register its reminder and walk (the first silo's ask starts it; the others find it walking); a failure does not stop
    /// the silo, the reminder or the next silo's start asks again.
    /// </summary>
    public static ISiloBuilder AddCallGrainsReprojection(this ISiloBuilder silo)
    {
        silo.Services.AddValidatedOptions<ReprojectionOptions>(silo.Configuration, ReprojectionOptions.Section);
        silo.AddStartupTask(async (services, _) =>
        {
            try
            {
                await services.GetRequiredService<IGrainFactory>().GetGrain<IReprojectionGrain>(IReprojectionGrain.Key).StartAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReprojectionGrain))
                    .LogWarning(ex, "The reprojection job could not be started; its reminder or the next silo's start asks again");
            }
        });
        return silo;
    }
}
