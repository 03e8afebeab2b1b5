using System.Globalization;
using System.Text;
using System.Text.Json;
using CallGrains.Api.Operations;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Operability.Access;
using CallGrains.Priority;
using CallGrains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Changes;

/// <summary>The change feed: pages by seq, and the same changes live as server-sent events.</summary>
public static class ChangeEndpoints
{
    /// <summary>The contract's upper bound between two lines of a live stream.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>How often a stream looks for changes committed by another process (local commits wake it at once).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a stream that just wrote waits before it reads again (the first change after a quiet spell goes at once).</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(5);

    public static WebApplication MapChangeEndpoints(this WebApplication app)
    {
        var changes = app.MapGroup("/v1/changes").WithTags("Changes").AddEndpointFilter<ApiKeyFilter>();
        changes.MapGet("/", ListAsync).WithName("ListChanges").AddEndpointFilter<RequestTimeoutFilter>().RequireScope(Scopes.ChangesRead);
        changes.MapGet("/stream", StreamAsync).WithName("StreamChanges").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequireScope(Scopes.ChangesRead);
        return app;
    }

    public static async Task<Results<Ok<ChangeList>, ProblemHttpResult>> ListAsync(
        [AsParameters] ChangeListParameters parameters, HttpContext http, IChangeFeed feed, DigitMasking masking, CancellationToken cancellationToken)
    {
        if (parameters.ToQuery(defaultAfter: 0) is not { } parsed) return Problems.BadRequest(parameters.Error!);
        var query = parsed with { Tenant = Caller.Of(http).Tenant };
        var changes = await feed.ReadAsync(query, cancellationToken);
        var masked = masking.MaskingFor(http);
        return TypedResults.Ok(new ChangeList([.. changes.Select(c => ChangeView.Of(c, masked))], changes.Count > 0 ? changes[^1].Seq : query.After));
    }

    /// <summary>
    /// Server-sent events from <c>Last-Event-ID</c> (or <c>after</c>, or the current end), until the client goes away.
    /// Written by hand rather than with the SSE result type so that heartbeats can be comment lines.
    /// </summary>
    public static async Task<IResult> StreamAsync(
        [AsParameters] ChangeListParameters parameters, HttpContext http, IChangeFeed feed, ChangeSignal signal, DigitMasking masking, ReaderPace pace)
    {
        var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0) parameters = parameters with { After = lastEventId };
        var cancellationToken = http.RequestAborted;
        var start = parameters.After is null ? await feed.LastSeqAsync(cancellationToken) : 0;
        if (parameters.ToQuery(defaultAfter: start) is not { } parsed) return Problems.BadRequest(parameters.Error!);
        var query = parsed with { Tenant = Caller.Of(http).Tenant };
        var masked = masking.MaskingFor(http);

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync(": connected\n\n", cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);

        var lastWrite = DateTimeOffset.UtcNow;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var pulse = signal.Next;
                IReadOnlyList<CallChange> changes;
                try
                {
                    changes = await feed.ReadAsync(query with { Limit = ChangeQuery.MaxLimit }, cancellationToken);
                }
                catch (StoreUnavailableException)
                {
                    // The headers are sent, so no 503 can be said any more: keep the stream (and its heartbeats)
                    // and read again when the store is back.
                    changes = [];
                }
                if (changes.Count > 0)
                {
                    await WriteEventsAsync(http.Response, changes, masked, cancellationToken);
                    query = query with { After = changes[^1].Seq };
                    lastWrite = DateTimeOffset.UtcNow;
                    // While the host is short of CPU, ingest has it first: the stream reads a page at a time and catches up after.
                    if (pace.SteppingBack)
                    {
                        await Task.Delay(ReaderPace.ShortStreamPause, cancellationToken);
                        continue;
                    }
                    if (changes.Count == ChangeQuery.MaxLimit) continue;
                    // At a high commit rate every commit pulses: waiting a moment after a write sends what came
                    // meanwhile in one write rather than one write and one flush per commit.
                    await Task.Delay(Coalesce, cancellationToken);
                }
                else if (DateTimeOffset.UtcNow - lastWrite >= HeartbeatInterval - PollInterval)
                {
                    await http.Response.WriteAsync(": heartbeat\n\n", cancellationToken);
                    await http.Response.Body.FlushAsync(cancellationToken);
                    lastWrite = DateTimeOffset.UtcNow;
                }
                await ChangeSignal.WaitAsync(pulse, PollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
        return Results.Empty;
    }

    /// <summary>The changes as events, each change's JSON written straight into the response, then one flush.</summary>
    private static async Task WriteEventsAsync(HttpResponse response, IReadOnlyList<CallChange> changes, PersonalDataMasking masking, CancellationToken cancellationToken)
    {
        var body = response.BodyWriter;
        using (var json = new Utf8JsonWriter(body))
        {
            foreach (var change in changes)
            {
                Encoding.UTF8.GetBytes($"id: {change.Seq.ToString(CultureInfo.InvariantCulture)}\nevent: {change.Type}\ndata: ", body);
                json.Reset(body);
                ChangeView.Write(json, change, masking);
                json.Flush();
                Encoding.UTF8.GetBytes("\n\n", body);
            }
        }
        await body.FlushAsync(cancellationToken);
    }
}
