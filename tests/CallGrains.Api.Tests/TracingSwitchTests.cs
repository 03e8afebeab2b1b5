using CallGrains.Operability.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace CallGrains.Api.Tests;

/// <summary>Spans are recorded only for someone who can receive them.</summary>
public sealed class TracingSwitchTests
{
    [Fact]
    public void Without_an_otlp_endpoint_the_node_keeps_no_tracer()
    {
        using var host = NodeTelemetry(otlpEndpoint: null);

        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    [Fact]
    public void With_an_otlp_endpoint_the_node_traces_http_grain_calls_and_commits()
    {
        using var host = NodeTelemetry(otlpEndpoint: "http://127.0.0.1:4317");

        Assert.NotNull(host.Services.GetService<TracerProvider>());
    }

    private static IHost NodeTelemetry(string? otlpEndpoint)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration[TelemetryExtensions.OtlpEndpointKey] = otlpEndpoint;
        builder.AddCallGrainsTelemetry("callgrains-test");
        return builder.Build();
    }
}
