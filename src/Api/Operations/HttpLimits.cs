using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using CallGrains.Api.Hosting;
using CallGrains.Api.Pushes;
using CallGrains.Hosting;
using CallGrains.Telemetry;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Operations;

/// <summary>
/// The API's share of "CallGrains:Limits" (the grains read <c>MaxCallsPerUserData</c> from the same section).
/// </summary>
public sealed class HttpLimits
{
    public const string Section = "CallGrains:Limits";
    public const string PushPolicy = "pushes";

    /// <summary>
    /// Pushes per second one client address may send (behind a proxy, the forwarded address, believed only from
    /// <c>CallGrains:KnownProxies</c>); 0 turns the limit off. On by default and generous: a busy deployment sees
    /// about a hundred pushes a second from one platform address, and a status push refused with 429 is lost for
    /// good, so the limit stops floods, not traffic.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PushesPerSecondPerClient { get; set; } = 10_000;

    /// <summary>Longest a request may take; past it the answer is 503 with Retry-After and nothing is acknowledged.</summary>
    [Range(1, 600)]
    public int RequestTimeoutSeconds { get; set; } = 15;
}

public static class HttpLimitsExtensions
{
    public static WebApplicationBuilder AddCallGrainsHttpLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<HttpLimits>(builder.Configuration, HttpLimits.Section);
        builder.Services.AddSingleton<RequestTimeoutFilter>();
        builder.Services.AddSingleton(new SharedDeadlines(TimeProvider.System));
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(HttpLimits.PushPolicy, context =>
            {
                var perSecond = context.RequestServices.GetRequiredService<IOptionsMonitor<HttpLimits>>().CurrentValue.PushesPerSecondPerClient;
                if (perSecond == 0) return RateLimitPartition.GetNoLimiter("unlimited");
                return RateLimitPartition.GetTokenBucketLimiter(ClientOf(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = "1";
                rejected.HttpContext.RequestServices.GetRequiredService<CallGrainsMetrics>().Push(null, PushResults.TooManyRequests);
                await Problems.TooManyRequests().ExecuteAsync(rejected.HttpContext);
            };
        });
        return builder;
    }

    /// <summary>
    /// The address the push came from. Never what a header claims (an X-AKSK app key is not verified yet when the
    /// limiter runs): keyed on a claim, a sender could spread over made-up keys or drain a real app's bucket.
    /// </summary>
    private static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}

/// <summary>
/// Bounds every business and push request. A request that runs out of time throws <see cref="RequestDeadlineException"/>,
/// which <see cref="StoreOutageHandler"/> answers with 503 and Retry-After: nothing that late was acknowledged.
/// </summary>
public sealed class RequestTimeoutFilter(IOptionsMonitor<HttpLimits> limits, SharedDeadlines deadlines) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var work = next(context).AsTask();
        if (work.IsCompleted) return await work;

        var timeout = TimeSpan.FromSeconds(limits.CurrentValue.RequestTimeoutSeconds);
        // A timeout the work itself raises (Orleans' response timeout: a silo that does not answer) propagates as it is,
        // so the 503 names the cluster; only the request's own limit is a deadline.
        if (await Task.WhenAny(work, deadlines.After(timeout)) != work) throw new RequestDeadlineException(timeout);
        return await work;
    }
}
