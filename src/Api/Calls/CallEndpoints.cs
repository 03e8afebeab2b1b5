using CallGrains.Api.Operations;
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
        calls.MapGet("/{sessionId}", GetAsync).WithName("GetCall");
        calls.MapGet("/{sessionId}/events", GetEventsAsync).WithName("GetCallEvents");
        calls.MapGet("/", ListAsync).WithName("ListCalls");
        return app;
    }

    public static async Task<Results<Ok<CallView>, ProblemHttpResult>> GetAsync(
        string sessionId, HttpContext http, IGrainFactory grains, StuckCallWatch stuck, DigitMasking masking)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        var stored = await grains.GetCallSession(sessionId).GetViewAsync();
        if (stored is null) return Problems.NotFound($"No push was ever stored for session '{sessionId}'.");
        var view = await CallRequests.AttachAsync([stored], grains);
        return TypedResults.Ok(masking.Mask(stuck.Flag(view[0])));
    }

    public static async Task<Results<Ok<IReadOnlyList<CallEvent>>, ProblemHttpResult>> GetEventsAsync(
        string sessionId, HttpContext http, IJournalReader journal, DigitMasking masking, CancellationToken cancellationToken)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        var entries = await journal.ReadSessionAsync(sessionId, cancellationToken);
        if (entries.Count == 0) return Problems.NotFound($"No push was ever stored for session '{sessionId}'.");
        IReadOnlyList<CallEvent> events = [.. entries.Select(e => CallEvent.Of(e, masking))];
        return TypedResults.Ok(events);
    }

    public static async Task<Results<Ok<CallList>, ProblemHttpResult>> ListAsync(
        [AsParameters] CallListParameters parameters, ICallsProjection projection, IGrainFactory grains, StuckCallWatch stuck,
        DigitMasking masking, CancellationToken cancellationToken)
    {
        if (parameters.ToQuery(stuck) is not { } query) return Problems.BadRequest(parameters.Error!);
        var page = await projection.ListAsync(query, cancellationToken);
        var views = await CallRequests.AttachAsync([.. page.Items.Select(r => r.ViewJson)], grains);
        return TypedResults.Ok(new CallList([.. views.Select(v => masking.Mask(stuck.Flag(v)))], page.Next?.Encode()));
    }
}
