using CallGrains.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CallGrains.Operability.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>The standard variable OTLP exporters read; when it is unset nothing is pushed anywhere.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Orleans' own meter: messaging, activations, membership, grain calls.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>
    /// Metrics, traces and logs through OpenTelemetry on this node. Metrics: CallGrains' meter, Orleans', ASP.NET Core's,
    /// HttpClient's, Npgsql's and the runtime's, scraped at /metrics (see <see cref="MapCallGrainsMetrics"/>). When
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the other OTEL_* variables apply as usual), traces too (HTTP in and
    /// out, Orleans grain calls, CallGrains' journal spans, Npgsql commands), and everything goes out by OTLP.
    /// </summary>
    /// <remarks>
    /// Without an endpoint the node records no spans at all: a tracer with no exporter still sampled every request,
    /// grain call and command into spans nobody could read (two Orleans activities per grain call with their tags),
    /// 3 to 10 % of the embedded node's CPU per push in two A/B runs of 2026-11-29.
    /// </remarks>
    /// <param name="serviceName">The <c>service.name</c> this node reports: "callgrains-api" or "callgrains-silo".</param>
    public static IHostApplicationBuilder AddCallGrainsTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddCallGrainsMetrics();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics => metrics
                .AddMeter(CallGrainsMetrics.MeterName, OrleansMeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]))
        {
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(CallGrainsTracing.SourceName)
                    .AddSource(CallGrainsTracing.OrleansSourceNames)
                    // Probes and scrapes every few seconds would bury the pushes.
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperatorPath(http.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql())
                .WithLogging()
                .UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>The Prometheus text of every meter above, at /metrics. Not behind the key: scrapers rarely carry one.</summary>
    public static IEndpointRouteBuilder MapCallGrainsMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        return endpoints;
    }

    private static bool IsOperatorPath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health") || path.StartsWithSegments("/dashboard");
}
