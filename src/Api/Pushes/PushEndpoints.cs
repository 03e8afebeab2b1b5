using System.Diagnostics;
using CallGrains.Api.Hosting;
using CallGrains.Api.Operations;
using CallGrains.Domain.Pushes;
using CallGrains.Telemetry;
using System.Buffers;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using CallGrains.Hosting;

namespace CallGrains.Api.Pushes;

/// <summary>
/// The platform side. All three paths dispatch on <c>eventType</c>: a push sent to the "wrong" URL is
/// still kept, because a status push that is refused is lost for good.
/// </summary>
public static class PushEndpoints
{
    public const string PathBase = "/v1/huawei";

    /// <summary>The push's event type, for whoever answers it after the endpoint (a 503 is written by the exception handler).</summary>
    public const string EventTypeItem = "callgrains.event_type";

    public static WebApplication MapPushEndpoints(this WebApplication app)
    {
        var pushes = app.MapGroup(PathBase).WithTags("Pushes")
            .RequireRateLimiting(HttpLimits.PushPolicy)
            .AddEndpointFilter<RequestTimeoutFilter>();
        pushes.MapPost("/status", ReceiveAsync).WithName("PushStatus");
        pushes.MapPost("/fee", ReceiveAsync).WithName("PushFee");
        pushes.MapPost("/events", ReceiveAsync).WithName("PushEvents");
        return app;
    }

    public static async Task<Results<PushAckResult, ProblemHttpResult>> ReceiveAsync(
        HttpContext http,
        PushLanding landing,
        [FromKeyedServices(ServiceTime.Key)] TimeProvider clock,
        CallGrainsMetrics metrics,
        PushAuthentication authentication,
        IOptions<CallGrainsOptions> options)
    {
        var started = Stopwatch.GetTimestamp();
        var verdict = authentication.Check(http.Request);
        if (verdict.Refused)
        {
            var forbidden = verdict.StatusCode == StatusCodes.Status403Forbidden;
            metrics.Push(null, forbidden ? PushResults.Forbidden : PushResults.Unauthorized);
            return forbidden
                ? Problems.Forbidden($"The push was refused: {verdict.Reason}.")
                : Problems.Unauthorized($"The push was not accepted: {verdict.Reason}.");
        }

        var limit = options.Value.MaxBodyBytes;
        if (http.Request.ContentLength > limit)
        {
            metrics.Push(null, PushResults.Rejected);
            return Problems.TooLarge(limit);
        }

        var parsed = await ParseBodyAsync(http, limit, clock, verdict.Flag);
        if (parsed is null)
        {
            metrics.Push(null, PushResults.Rejected);
            return Problems.TooLarge(limit);
        }
        if (!parsed.Accepted)
        {
            metrics.Push(null, PushResults.Rejected);
            return Problems.BadRequest(parsed.Rejection!);
        }

        // Acknowledge only when every item is committed (by its grain, or journaled pending by this node when the grain's
        // silo failed). A failure propagates to the exception handler as a 503; a retry is harmless: items are duplicates.
        var eventType = parsed.Items![0].EventType;
        http.Items[EventTypeItem] = eventType;
        var landed = await landing.LandAsync(parsed.Items!);

        metrics.Items(eventType, landed.Stored + landed.Pending, landed.Duplicates);
        metrics.Push(eventType, landed.Duplicates == parsed.Items!.Count ? PushResults.Duplicate : PushResults.Stored);
        if (verdict.Flag is not null) metrics.Unverified();
        metrics.Acknowledged(Stopwatch.GetElapsedTime(started));
        return PushAckResult.Instance;
    }

    /// <summary>
    /// Reads the whole body and parses it (<see cref="PushEnvelope.Parse"/>, received when the body was complete), or
    /// gives null when it exceeds the limit (chunked bodies have no length up front).
    /// </summary>
    private static async Task<PushParse?> ParseBodyAsync(HttpContext http, long limit, TimeProvider clock, string? flag)
    {
        // Kestrel counts a chunked body's framing (chunk sizes, CRLFs) against MaxRequestBodySize, so a chunked body
        // just under the limit would be refused while the same bytes with a Content-Length are kept. The server's
        // bound is therefore twice the limit for chunked bodies (room for the framing of any sensible chunk size);
        // the limit itself is enforced here, on the body's own bytes.
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
            sizeFeature.MaxRequestBodySize = http.Request.ContentLength is null && limit <= long.MaxValue / 2 ? limit * 2 : limit;
        // Read from Kestrel's own pipe and parsed there: a parse keeps none of the body's bytes (its items hold their own
        // text), so a body that arrived in one segment is not copied at all and one in several is copied into a rented
        // buffer. A buffer of our own per request (16 KiB read chunk and a growing stream) was 40 % of the embedded node's
        // allocated bytes under load (allocation profile, 2026-11-29); a copy per body was 3 % (2026-11-30).
        var reader = http.Request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(http.RequestAborted);
                var arrived = result.Buffer;
                if (arrived.Length > limit)
                {
                    reader.AdvanceTo(arrived.End);
                    return null;
                }
                if (result.IsCanceled) throw new OperationCanceledException(http.RequestAborted);
                if (result.IsCompleted)
                {
                    try
                    {
                        return Parse(arrived, clock.GetUtcNow(), flag);
                    }
                    finally
                    {
                        reader.AdvanceTo(arrived.End);
                    }
                }
                reader.AdvanceTo(arrived.Start, arrived.End);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    private static PushParse Parse(ReadOnlySequence<byte> body, DateTimeOffset receivedAt, string? flag)
    {
        if (body.IsSingleSegment) return PushEnvelope.Parse(body.First, receivedAt, flag);
        var length = (int)body.Length;
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(copy);
            return PushEnvelope.Parse(copy.AsMemory(0, length), receivedAt, flag);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }
}

/// <summary>The acknowledgement the platform requires: exactly this body with 200.</summary>
public sealed record PushAck(string Resultcode, string Resultdesc)
{
    public static PushAck Success { get; } = new("0", "Success");
}

/// <summary>
/// <see cref="PushAck.Success"/> with 200, its JSON encoded once: every push is answered with the same bytes, and
/// serializing them per push took a JSON writer and its state each time (an allocation profile, 2026-11-30). Described
/// to OpenAPI as <c>Ok&lt;PushAck&gt;</c> is.
/// </summary>
public sealed class PushAckResult : IResult, IEndpointMetadataProvider
{
    private static readonly byte[] Body = JsonSerializer.SerializeToUtf8Bytes(PushAck.Success, ApiJsonContext.Default.PushAck);

    public static PushAckResult Instance { get; } = new();

    private PushAckResult()
    {
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Body.Length;
        var written = response.Body.WriteAsync(Body);
        return written.IsCompletedSuccessfully ? Task.CompletedTask : written.AsTask();
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(PushAck), ["application/json"]));
}
