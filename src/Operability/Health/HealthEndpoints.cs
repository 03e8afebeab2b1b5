using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CallGrains.Operability.Health;

/// <summary>The answer of /health/live and /health/ready: <c>{"status":"ready"|"degraded"|"not-ready"|"live","reason":...}</c>.</summary>
public sealed record HealthAnswer(string Status, string? Reason);

public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    /// <summary>Liveness has no checks (the process answers); readiness runs <see cref="ReadinessCheck"/>.</summary>
    public static IServiceCollection AddCallGrainsHealthChecks(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ReadinessCheck>();
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "cluster-and-store", sp => sp.GetRequiredService<ReadinessCheck>(), failureStatus: null, tags: [ReadyTag]));
        return services;
    }

    /// <summary>/health/live and /health/ready (200, or 503 when not ready), never behind the key: probes carry none.</summary>
    public static IEndpointRouteBuilder MapCallGrainsHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (http, _) => WriteAsync(http, new HealthAnswer("live", null)),
        }).WithTags("Operations");
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = (http, report) => WriteAsync(http, report.Status switch
            {
                HealthStatus.Healthy => new HealthAnswer("ready", null),
                // 200 all the same: the node takes pushes (into its spool), only its data may be behind.
                HealthStatus.Degraded => new HealthAnswer("degraded", Reason(report) ?? "degraded"),
                _ => new HealthAnswer("not-ready", Reason(report) ?? "not ready"),
            }),
        }).WithTags("Operations");
        return endpoints;
    }

    private static string? Reason(HealthReport report) => report.Entries.Values.Select(e => e.Description).FirstOrDefault(d => d is not null);

    private static Task WriteAsync(HttpContext http, HealthAnswer answer)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(JsonSerializer.Serialize(answer, JsonSerializerOptions.Web));
    }
}
