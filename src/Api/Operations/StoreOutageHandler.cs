using CallGrains.Api.Hosting;
using CallGrains.Api.Pushes;
using CallGrains.Storage;
using CallGrains.Telemetry;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Operations;

/// <summary>
/// The one place failures become responses. A store that cannot commit, a silo that does not answer, or a request
/// past its time limit is a 503 with Retry-After that names the missing part (<see cref="Unavailability"/>):
/// nothing was acknowledged, and the platform retries CDRs.
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

        if (Unavailability.Of(exception) is not { } missing) return false;

        LogOutage(logger, exception, missing.Part, context.Request.Path);
        metrics.StoreOutage(missing.Part);
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
                Title = missing.Title,
                Detail = missing.Detail,
                Extensions = { ["unavailable"] = missing.Part },
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {MissingPart} was unavailable while serving {Path}; answered 503")]
    private static partial void LogOutage(ILogger logger, Exception exception, string missingPart, PathString path);
}
