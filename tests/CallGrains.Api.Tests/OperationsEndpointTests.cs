using System.Net;
using System.Text.Json;

namespace CallGrains.Api.Tests;

/// <summary>The contract; run against the embedded service and against a PostgreSQL cluster.</summary>
public abstract class OperationsEndpointContract(ApiFixture api)
{
    [Fact]
    public async Task Liveness_and_readiness_answer_when_the_silo_and_store_are_up()
    {
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Readiness_is_503_while_the_store_is_away()
    {
        bool notReady;
        // A readiness answer is kept for a second, so the outage shows within moments rather than at once.
        await using (await api.OutageAsync())
            notReady = await AnswersWithinAsync(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5));

        Assert.True(notReady, "readiness did not turn 503 while the store was away");
        Assert.True(await ReadyWithinAsync(TimeSpan.FromSeconds(20)), "the service did not become ready again by itself");
    }

    private async Task<bool> AnswersWithinAsync(HttpStatusCode status, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if ((await api.Anonymous.GetAsync("/health/ready")).StatusCode == status) return true;
            await Task.Delay(100);
        }
        return false;
    }

    private async Task<bool> ReadyWithinAsync(TimeSpan limit)
    {
        // Connections pooled before the outage fail once each; recovery is a matter of moments, not a restart.
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if ((await api.Anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return true;
            await Task.Delay(200);
        }
        return false;
    }

    [Fact]
    public async Task The_openapi_document_describes_every_contract_path()
    {
        using var document = JsonDocument.Parse(await api.Anonymous.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/v1/huawei/status", "/v1/huawei/fee", "/v1/huawei/events", "/v1/calls/{sessionId}",
                     "/v1/calls/{sessionId}/events", "/v1/calls", "/v1/requests/{userData}", "/v1/requests", "/v1/changes", "/v1/changes/stream" })
            Assert.True(paths.TryGetProperty(path, out _), $"missing {path}");
    }

    [Fact]
    public async Task The_openapi_document_describes_the_push_bodies_the_raw_json_and_the_bearer_scheme()
    {
        using var document = JsonDocument.Parse(await api.Anonymous.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;

        var status = root.GetProperty("paths").GetProperty("/v1/huawei/status").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json");
        Assert.True(status.GetProperty("schema").GetProperty("properties").TryGetProperty("statusInfo", out _));
        Assert.True(status.GetProperty("examples").TryGetProperty("callout", out _));
        var fee = root.GetProperty("paths").GetProperty("/v1/huawei/fee").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json");
        Assert.Equal(50, fee.GetProperty("schema").GetProperty("properties").GetProperty("feeLst").GetProperty("maxItems").GetInt32());
        Assert.Equal("bearer", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        var calls = root.GetProperty("paths").GetProperty("/v1/calls/{sessionId}").GetProperty("get");
        Assert.True(calls.GetProperty("security")[0].TryGetProperty("Bearer", out _));
        var eventBody = root.GetProperty("components").GetProperty("schemas").GetProperty("CallEvent").GetProperty("properties").GetProperty("body");
        Assert.False(eventBody.TryGetProperty("type", out _), "events[].body is JSON, not a string: " + eventBody);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_that_counts_pushes()
    {
        await api.PushAllAsync(CallGrains.Tests.Shared.SampleCall.Load("verification-code"));
        // The exporter caches a scrape for a moment.
        var text = "";
        for (var i = 0; i < 40 && !text.Contains("callgrains_push_items_total{", StringComparison.Ordinal); i++, await Task.Delay(250))
            text = await api.Anonymous.GetStringAsync("/metrics");

        Assert.Contains("# TYPE callgrains_pushes_total counter", text, StringComparison.Ordinal);
        Assert.Contains("callgrains_push_items_total{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem()
    {
        using var response = await api.Anonymous.GetAsync("/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

public sealed class OpenModeTests : IClassFixture<OpenApiFixture>
{
    private readonly OpenApiFixture _api;

    public OpenModeTests(OpenApiFixture api) => _api = api;

    [Fact]
    public async Task Without_configured_keys_the_business_endpoints_are_open()
    {
        Assert.Equal(HttpStatusCode.OK, (await _api.Anonymous.GetAsync("/v1/calls")).StatusCode);
    }
}

[Collection(ApiCollection.Name)]
public sealed class OperationsEndpointTests(ApiFixture api) : OperationsEndpointContract(api);

[Collection(PostgresApiCollection.Name)]
public sealed class OperationsEndpointTestsOnPostgres(PostgresApiFixture api) : OperationsEndpointContract(api);

[Collection(ApiCollection.Name)]
public sealed class ReadinessCacheTests(ApiFixture api)
{
    [Fact]
    public async Task Probes_in_quick_succession_look_at_the_store_about_once_a_second()
    {
        var before = api.JournalReadsOf(CallGrains.Operability.Health.ReadinessCheck.ProbeSession);

        var probes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => api.Anonymous.GetAsync("/health/ready")));

        Assert.All(probes, p => Assert.Equal(HttpStatusCode.OK, p.StatusCode));
        Assert.InRange(api.JournalReadsOf(CallGrains.Operability.Health.ReadinessCheck.ProbeSession) - before, 0, 2);
    }
}
