using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using CallGrains.Telemetry;
using CallGrains.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry.Trace;

namespace CallGrains.Api.Tests;

/// <summary>What an operator scrapes and traces; run against the embedded service and against a PostgreSQL cluster.</summary>
public abstract class TelemetryContract(ApiFixture api)
{
    [Fact]
    public async Task Pushing_the_samples_counts_pushes_items_and_outcomes_with_the_right_values()
    {
        var meters = api.Services.GetRequiredService<IMeterFactory>();
        using var pushes = new MetricCollector<long>(meters, CallGrainsMetrics.MeterName, "callgrains.pushes");
        using var items = new MetricCollector<long>(meters, CallGrainsMetrics.MeterName, "callgrains.push.items");
        using var completed = new MetricCollector<long>(meters, CallGrainsMetrics.MeterName, "callgrains.calls.completed");
        using var inProgress = new MetricCollector<long>(meters, CallGrainsMetrics.MeterName, "callgrains.calls.in_progress");
        var calls = SampleCall.Names.Select(name => SampleCall.Load(name)).ToList();

        foreach (var call in calls) await api.PushAllAsync(call);
        await api.PushAllAsync(calls[0].Pushes.Take(1));

        var allPushes = calls.SelectMany(c => c.Pushes).ToList();
        Assert.Equal(allPushes.Count, Sum(pushes, "result", PushResults.Stored));
        Assert.Equal(1, Sum(pushes, "result", PushResults.Duplicate));
        Assert.Equal(allPushes.Sum(ItemCount), Sum(items, "result", PushResults.Stored));
        Assert.Equal(1, Sum(items, "result", PushResults.Duplicate));
        Assert.Equal(allPushes.Count(p => p.Contains("\"feeLst\"", StringComparison.Ordinal)), Sum(pushes, "event_type", "fee"));
        Assert.Equal(calls.Count, completed.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(completed.GetMeasurementSnapshot(), m => Assert.NotEqual("none", m.Tags["outcome"]));
        Assert.Equal(0, inProgress.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task Every_node_serves_the_domain_orleans_and_http_instruments_at_metrics()
    {
        await api.PushAllAsync(SampleCall.Load("verification-code"));

        // The node that serves the API runs the grains too, embedded and on PostgreSQL alike.
        var apiText = await ScrapeUntilAsync(api.Anonymous, "callgrains_pushes_total{", "http_server_request_duration_seconds");
        var grainText = await ScrapeUntilAsync(api.Anonymous, "callgrains_calls_completed_total{", "orleans_");

        Assert.Contains("# TYPE callgrains_pushes_total counter", apiText, StringComparison.Ordinal);
        Assert.Contains("result=\"stored\"", apiText, StringComparison.Ordinal);
        Assert.Contains("callgrains_push_ack_duration_seconds_bucket", apiText, StringComparison.Ordinal);
        Assert.Contains("callgrains_cdr_lateness_seconds_bucket", grainText, StringComparison.Ordinal);
        Assert.Contains("outcome=\"", grainText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_trace_runs_from_the_http_push_through_the_grain_to_the_commit()
    {
        var spans = new List<Activity>();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource(CallGrainsTracing.SourceName)
            .AddSource(CallGrainsTracing.OrleansSourceNames)
            .AddSource("Microsoft.AspNetCore")
            .AddInMemoryExporter(spans)
            .Build();
        var push = SampleCall.Load("notification-collect").Pushes[0];
        // The push carries its own trace id, as a traced caller's would: other tests' pushes run in the same process,
        // and their spans reach this listener too.
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiFixture.PushPathFor(push))
        {
            Content = new StringContent(push, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        using var response = await api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var commitName = api is PostgresApiFixture ? "callgrains.journal.commit" : "callgrains.journal.append";
        var trace = await TraceOfAsync(spans, traceId, commitName, tracing!);
        Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore");
        Assert.Contains(trace, s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
        Assert.Contains(trace, s => s.OperationName == "callgrains.journal.append");
        // A commit carries many pushes: it is a child of the first one's append and links to all of them.
        Assert.Contains(trace, s => s.OperationName == commitName);
    }

    [Fact]
    public async Task Calls_that_went_quiet_are_counted_as_stuck_by_kind()
    {
        var gauge = api.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<CallGrains.Api.Calls.StuckCallGauge>().Single();
        using var stuck = new MetricCollector<long>(api.Services.GetRequiredService<IMeterFactory>(), CallGrainsMetrics.MeterName, "callgrains.calls.stuck");
        await api.PushAllAsync(SampleCall.Load("callback-connected").Pushes.Take(2));

        await gauge.CountNowAsync();
        stuck.RecordObservableInstruments();
        var before = Stale(stuck);
        using (api.Clock.Advance(TimeSpan.FromHours(3)))
        {
            await gauge.CountNowAsync();
            stuck.RecordObservableInstruments();
        }

        Assert.Equal(0, before);
        Assert.True(Stale(stuck) >= 1, "the silent call was not counted as stale");
        Assert.Contains(stuck.GetMeasurementSnapshot(), m => Equals(m.Tags["kind"], "cdr-overdue"));
    }

    private static long Stale(MetricCollector<long> stuck) =>
        stuck.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], "stale")).Select(m => m.Value).LastOrDefault();

    [Fact]
    public async Task The_dashboard_and_the_api_reference_answer_with_the_key_and_refuse_without_it()
    {
        // Asked with the trailing slash: a redirect would drop the Authorization header.
        foreach (var path in new[] { "/dashboard/", "/docs/" })
        {
            using var keyed = await api.Client.GetAsync(path);
            using var anonymous = await api.Anonymous.GetAsync(path);

            Assert.True(keyed.IsSuccessStatusCode, $"{path} answered {keyed.StatusCode}");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
    }

    /// <summary>
    /// The spans of the trace <paramref name="traceId"/>, with the span named <paramref name="commit"/> that made it
    /// durable (its own or one that links to it), once its request span has ended.
    /// </summary>
    private static async Task<List<Activity>> TraceOfAsync(List<Activity> spans, ActivityTraceId traceId, string commit, TracerProvider tracing)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            tracing.ForceFlush();
            Activity[] snapshot;
            lock (spans) snapshot = [.. spans];
            var trace = snapshot
                .Where(s => s.TraceId == traceId || (s.OperationName == commit && s.Links.Any(l => l.Context.TraceId == traceId)))
                .ToList();
            var complete = trace.Any(s => s.Kind == ActivityKind.Server) && trace.Any(s => s.OperationName == commit);
            if (complete || DateTime.UtcNow > deadline) return trace;
            await Task.Delay(100);
        }
    }

    /// <summary>The exporter caches a scrape briefly, so a value recorded just now may show up a moment later.</summary>
    private static async Task<string> ScrapeUntilAsync(HttpClient http, params string[] expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string text;
        do
        {
            text = await http.GetStringAsync("/metrics");
            if (expected.All(e => text.Contains(e, StringComparison.Ordinal))) return text;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"/metrics at {http.BaseAddress} lacks one of {string.Join(", ", expected)}:\n{text}");
        return text;
    }

    private static long Sum(MetricCollector<long> collector, string tag, string value) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags[tag], value)).Sum(m => m.Value);

    private static int ItemCount(string push)
    {
        using var document = JsonDocument.Parse(push);
        return document.RootElement.TryGetProperty("feeLst", out var fees) ? fees.GetArrayLength() : 1;
    }
}

[Collection(ApiCollection.Name)]
public sealed class TelemetryTests(ApiFixture api) : TelemetryContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class TelemetryTestsOnPostgres(PostgresApiFixture api) : TelemetryContract(api);
