using CallGrains.Api.Operations;
using CallGrains.Hosting;
using CallGrains.Operability.Access;
using CallGrains.Requests;
using CallGrains.Sessions;
using CallGrains.Storage;
using CallGrains.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Erasure;

/// <summary>
/// Erasure of a call, or of a request with every call matched to it: synchronous, so that once the answer is
/// <c>202</c> nothing of it is readable any more; the audit record is written last.
/// </summary>
public static class ErasureEndpoints
{
    // Calls of one request erased at once: each is one grain call and one delete statement.
    private const int Parallel = 16;

    /// <summary>The audit writer and its options ("CallGrains:Erasure").</summary>
    public static WebApplicationBuilder AddCallGrainsErasure(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ErasureOptions>(builder.Configuration, ErasureOptions.Section);
        builder.Services.AddSingleton<ErasureAudit>();
        return builder;
    }

    public static WebApplication MapErasureEndpoints(this WebApplication app)
    {
        app.MapGroup("/v1/calls").WithTags("Calls").AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter<RequestTimeoutFilter>()
            .MapDelete("/{sessionId}", EraseCallAsync).WithName("EraseCall").RequireScope(Scopes.DataErase);
        app.MapGroup("/v1/requests").WithTags("Requests").AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter<RequestTimeoutFilter>()
            .MapDelete("/{userData}", EraseRequestAsync).WithName("EraseRequest").RequireScope(Scopes.DataErase);
        return app;
    }

    public static async Task<Results<Accepted<ErasureReceipt>, ProblemHttpResult>> EraseCallAsync(
        string sessionId, HttpContext http, IGrainFactory grains, ISubscriptionStore subscriptions, ErasureAudit audit)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        var caller = Caller.Of(http);
        // Another tenant's call is answered as if it did not exist, as on GET.
        var view = await grains.GetCallSession(sessionId).GetViewAsync();
        if (view is null || !caller.Sees(view.UserData)) return CallNotFound(sessionId);
        var rows = await grains.GetCallSessionErasure(sessionId).EraseAsync();
        // Erased by a concurrent DELETE meanwhile: that one answered 202 and left the record.
        if (rows.Total == 0) return CallNotFound(sessionId);
        await ForgetInDeliveriesAsync(grains, subscriptions, [sessionId], http.RequestAborted);
        var record = await audit.RecordAsync(ErasureKinds.Call, sessionId, caller, calls: 1, rows);
        return TypedResults.Accepted((string?)null, new ErasureReceipt(record.Id, record.Kind, record.Calls));
    }

    public static async Task<Results<Accepted<ErasureReceipt>, ProblemHttpResult>> EraseRequestAsync(
        string userData, HttpContext http, IGrainFactory grains, ICallsProjection calls, ISubscriptionStore subscriptions, ErasureAudit audit,
        CancellationToken cancellationToken)
    {
        userData = RouteSegment.Decode(http, 2, userData);
        var caller = Caller.Of(http);
        if (!caller.Sees(userData)) return RequestNotFound(userData);

        var (erasedCalls, rows, erasedSessions) = (0, ErasedRows.None, new List<string>());
        // The projection lists what is left; each page's calls are gone before the next is read. Bounded by the
        // request's time limit: a request with more calls than fit is answered 503, and a repeated DELETE goes on.
        while (true)
        {
            var page = await calls.ListAsync(new CallQuery(UserData: userData, Limit: CallQuery.MaxLimit, Tenant: caller.Tenant), cancellationToken);
            var erasedNow = 0;
            foreach (var chunk in page.Items.Chunk(Parallel))
            {
                var erased = await Task.WhenAll(chunk.Select(c => grains.GetCallSessionErasure(c.SessionId).EraseAsync()));
                erasedNow += erased.Count(e => e.Total > 0);
                erasedSessions.AddRange(chunk.Where((_, i) => erased[i].Total > 0).Select(c => c.SessionId));
                rows = erased.Aggregate(rows, (sum, e) => sum + e);
            }
            erasedCalls += erasedNow;
            if (page.Next is null || erasedNow == 0) break;
        }
        await ForgetInDeliveriesAsync(grains, subscriptions, erasedSessions, cancellationToken);
        rows += await grains.GetBusinessRequest(userData).EraseAsync();
        if (rows.Total == 0) return RequestNotFound(userData);
        var record = await audit.RecordAsync(ErasureKinds.Request, userData, caller, erasedCalls, rows);
        return TypedResults.Accepted((string?)null, new ErasureReceipt(record.Id, record.Kind, record.Calls));
    }

    /// <summary>
    /// The store's changes of an erased call are gone, but a subscription may already have read some into memory: every
    /// subscription that delivers drops them too, so that none is sent after the erasure was answered.
    /// </summary>
    private static async Task ForgetInDeliveriesAsync(
        IGrainFactory grains, ISubscriptionStore subscriptions, IReadOnlyCollection<string> sessionIds, CancellationToken cancellationToken)
    {
        if (sessionIds.Count == 0) return;
        var delivering = (await subscriptions.ListAsync(cancellationToken)).Where(s => s.Status != SubscriptionStatus.Disabled);
        await Task.WhenAll(delivering.Select(s => grains.GetGrain<ISubscriptionGrain>(s.Id).ForgetSessionsAsync([.. sessionIds])));
    }

    private static ProblemHttpResult CallNotFound(string sessionId) => Problems.NotFound($"No push is stored for session '{sessionId}'.");

    private static ProblemHttpResult RequestNotFound(string userData) =>
        Problems.NotFound($"No request '{userData}' is registered and no stored call carries it.");
}
