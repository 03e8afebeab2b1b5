using CallGrains.Api.Hosting;
using CallGrains.Api.Pushes;
using CallGrains.Storage;
using CallGrains.Telemetry;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Operations;

/// <summary>
/// The one place failures become responses. A store that cannot commit, or a cluster that cannot be
/// reached in time, is a 503 with Retry-After: the platform retries CDRs, and nothing was acknowledged.
/// </summary>
public sealed partial class StoreOutageHandler(
    IProblemDetailsService problems,
    IOptions<CallGrainsOptions> options,
    CallGrainsMetrics metrics,
    ILogger<StoreOutageHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad)
        {
            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = { Status = bad.StatusCode, Title = "The request cannot be accepted", Detail = bad.Message },
            });
        }

        if (!IsOutage(exception)) return false;

        LogOutage(logger, exception, context.Request.Path);
        metrics.StoreOutage();
        if (context.Request.Path.StartsWithSegments(PushEndpoints.PathBase))
            metrics.Push(context.Items[PushEndpoints.EventTypeItem] as string, PushResults.Unavailable);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = "The push could not be stored and was not acknowledged. Retry later.",
            },
        });
    }

    public static bool IsOutage(Exception exception) => exception switch
    {
        StoreUnavailableException or TimeoutException or OrleansException => true,
        // A storage driver's exception that Orleans could not send back: the store failed somewhere in the cluster.
        Orleans.Serialization.CodecNotFoundException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsOutage),
        _ => exception.InnerException is { } inner && IsOutage(inner),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store or cluster unavailable while serving {Path}; answered 503")]
    private static partial void LogOutage(ILogger logger, Exception exception, PathString path);
}
