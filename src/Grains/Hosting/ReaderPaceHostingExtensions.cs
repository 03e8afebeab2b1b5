using CallGrains.Priority;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CallGrains.Hosting;

public static class ReaderPaceHostingExtensions
{
    /// <summary>
    /// One <see cref="CpuHeadroom"/> per process, for the webhook deliveries of its silo and the live streams of its API
    /// alike (a co-hosted node registers it from both sides; the first registration wins).
    /// </summary>
    public static IServiceCollection AddCallGrainsReaderPace(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(ReaderPace))) return services;
        var options = services.AddValidatedOptions<ReaderPriorityOptions>(configuration, ReaderPriorityOptions.Section);
        // The host's CPU, on the real clock: the service clock is the business's, and tests move it.
        services.TryAddSingleton(_ => new CpuHeadroom(options, TimeProvider.System));
        services.TryAddSingleton<ReaderPace>();
        return services;
    }
}
