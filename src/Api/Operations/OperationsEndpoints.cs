using CallGrains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Operations;

public static class OperationsEndpoints
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(3);

    public static WebApplication MapOperationsEndpoints(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        var ops = app.MapGroup("").WithTags("Operations");
        ops.MapGet("/health/live", Live);
        ops.MapGet("/health/ready", ReadyAsync);
        ops.MapGet("/metrics", Metrics);
        return app;
    }

    public static Ok<HealthReport> Live() => TypedResults.Ok(new HealthReport("live", null));

    /// <summary>Ready when a silo is active in the cluster and the store answers.</summary>
    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> ReadyAsync(
        IClusterClient cluster, IJournalReader journal, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        string? reason = null;
        try
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(timeout.Token);
            if (hosts.Count == 0) reason = "no active silo";
            else await journal.ReadSessionAsync("health:ready", timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever failed (membership read, store, a timeout), the service cannot take pushes now.
            reason = "cluster or store did not answer: " + ex.GetType().Name;
        }
        return reason is null
            ? TypedResults.Ok(new HealthReport("ready", null))
            : TypedResults.Json(new HealthReport("not-ready", reason), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public static ContentHttpResult Metrics(PushMetrics metrics) =>
        TypedResults.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
}

public sealed record HealthReport(string Status, string? Reason);
