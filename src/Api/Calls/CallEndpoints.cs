using System.Text.Json;
using CallGrains.Api.Operations;
using CallGrains.Operability.Access;
using CallGrains.Domain.Calls;
using CallGrains.Sessions;
using CallGrains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Calls;

/// <summary>Queries for calls: one call from its grain, its journal, and lists from the projection.</summary>
public static class CallEndpoints
{
    public static WebApplication MapCallEndpoints(this WebApplication app)
    {
        var calls = app.MapGroup("/v1/calls").WithTags("Calls").AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter<RequestTimeoutFilter>();
        calls.MapGet("/{sessionId}", GetAsync).WithName("GetCall").RequireScope(Scopes.CallsRead);
        calls.MapGet("/{sessionId}/events", GetEventsAsync).WithName("GetCallEvents").RequireScope(Scopes.CallsRead);
        calls.MapCallExplainEndpoint();
        calls.MapGet("/", ListAsync).WithName("ListCalls").RequireScope(Scopes.CallsRead);
        return app;
    }

    public static async Task<Results<Ok<CallView>, ProblemHttpResult>> GetAsync(
        string sessionId, HttpContext http, IGrainFactory grains, StuckCallWatch stuck, DigitMasking masking)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        var stored = await grains.GetCallSession(sessionId).GetViewAsync();
        if (stored is null) return NotFound(sessionId);
        var view = await CallRequests.AttachAsync([stored], grains);
        // Another tenant's call is answered as if it did not exist: a 403 would tell that it does.
        if (!Caller.Of(http).Sees(view[0].UserData)) return NotFound(sessionId);
        return TypedResults.Ok(masking.MaskingFor(http).Mask(stuck.Flag(view[0])));
    }

    public static async Task<Results<Ok<IReadOnlyList<CallEvent>>, ProblemHttpResult>> GetEventsAsync(
        string sessionId, HttpContext http, IJournalReader journal, IGrainFactory grains, DigitMasking masking, CancellationToken cancellationToken)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        // The call's userData is what its view says (an unverified item never decides it), so a tenant asks the grain.
        if (Caller.Of(http).Tenant is not null && !Caller.Of(http).Sees(await UserDataOfAsync(sessionId, grains))) return NotFound(sessionId);
        var entries = await journal.ReadSessionAsync(sessionId, cancellationToken);
        if (entries.Count == 0) return NotFound(sessionId);
        var masked = masking.MaskingFor(http);
        IReadOnlyList<CallEvent> events = [.. entries.Select(e => CallEvent.Of(e, masked))];
        return TypedResults.Ok(events);
    }

    public static async Task<Results<Ok<CallList>, ProblemHttpResult>> ListAsync(
        [AsParameters] CallListParameters parameters, HttpContext http, ICallsProjection projection, IGrainFactory grains, StuckCallWatch stuck,
        DigitMasking masking, CancellationToken cancellationToken)
    {
        if (parameters.ToQuery(stuck) is not { } query) return Problems.BadRequest(parameters.Error!);
        var page = await projection.ListAsync(query with { Tenant = Caller.Of(http).Tenant }, cancellationToken);
        var views = await CallRequests.AttachAsync([.. page.Items.Select(r => r.ViewJson)], grains);
        var masked = masking.MaskingFor(http);
        return TypedResults.Ok(new CallList([.. views.Select(v => masked.Mask(stuck.Flag(v)))], page.Next?.Encode()));
    }

    private static ProblemHttpResult NotFound(string sessionId) => Problems.NotFound($"No push was ever stored for session '{sessionId}'.");

    private static async Task<string?> UserDataOfAsync(string sessionId, IGrainFactory grains) =>
        (await grains.GetCallSession(sessionId).GetViewAsync())?.UserData;
}
