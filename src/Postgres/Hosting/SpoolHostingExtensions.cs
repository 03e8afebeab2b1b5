using System.Diagnostics.Metrics;
using CallGrains.Postgres.Spool;
using CallGrains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CallGrains.Hosting;

/// <summary>The node's push spool, for a host on PostgreSQL: settings checked at start, the spool, its instruments.</summary>
public static class SpoolHostingExtensions
{
    /// <summary>
    /// Binds and validates "CallGrains:Spool" and, when it names a directory, registers the <see cref="PushSpool"/>
    /// (opened, and so recovered, when first resolved; closed with the host) with its instruments on the meter
    /// "CallGrains". Returns the settings; without a directory nothing else is registered.
    /// </summary>
    public static SpoolOptions AddCallGrainsSpool(this IServiceCollection services, IConfiguration configuration)
    {
        var options = services.AddValidatedOptions<SpoolOptions>(configuration, SpoolOptions.Section);
        if (string.IsNullOrWhiteSpace(options.Directory)) return options;
        services.AddMetrics();
        services.TryAddSingleton(sp =>
        {
            var spool = PushSpool.Open(options, sp.GetService<ILogger<PushSpool>>());
            SpoolMetrics.Observe(sp.GetRequiredService<IMeterFactory>(), spool);
            return spool;
        });
        services.TryAddSingleton<ISpoolStatus>(sp => sp.GetRequiredService<PushSpool>());
        return options;
    }
}
