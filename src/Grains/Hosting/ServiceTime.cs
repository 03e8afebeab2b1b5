using Microsoft.Extensions.DependencyInjection;

namespace CallGrains.Hosting;

/// <summary>
/// The service clock: the keyed <see cref="TimeProvider"/> the API stamps pushes with and judges stuck calls and
/// retention by. Tests move it without moving the clock Orleans' own timers run on.
/// </summary>
public static class ServiceTime
{
    public const string Key = "callgrains";

    /// <summary>The service clock where the host registered one (the API and a co-hosted node), else the system's (a grain-only silo).</summary>
    public static TimeProvider Of(IServiceProvider services) =>
        services.GetKeyedService<TimeProvider>(Key) ?? TimeProvider.System;
}
