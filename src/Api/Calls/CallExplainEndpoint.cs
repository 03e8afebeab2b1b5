using CallGrains.Api.Operations;
using CallGrains.Domain.Calls;
using CallGrains.Operability.Access;
using CallGrains.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Calls;

/// <summary>
/// <c>GET /v1/calls/{sessionId}/explain</c>: why the call's view says what it says, field by field. Asked of the call's
/// grain, which folds its journal again with provenance; same scope, tenant rule and masking as the view.
/// </summary>
public static class CallExplainEndpoint
{
    public static RouteGroupBuilder MapCallExplainEndpoint(this RouteGroupBuilder calls)
    {
        calls.MapGet("/{sessionId}/explain", GetAsync).WithName("ExplainCall").RequireScope(Scopes.CallsRead);
        return calls;
    }

    public static async Task<Results<Ok<CallExplanation>, ProblemHttpResult>> GetAsync(
        string sessionId, HttpContext http, IGrainFactory grains, DigitMasking masking)
    {
        sessionId = RouteSegment.Decode(http, 2, sessionId);
        var explanation = await grains.GetCallSessionExplanation(sessionId).ExplainAsync();
        // Another tenant's call is answered as if it did not exist, as its view is.
        if (explanation is null || !Caller.Of(http).Sees(explanation.View.UserData))
            return Problems.NotFound($"No push was ever stored for session '{sessionId}'.");
        return TypedResults.Ok(masking.MaskingFor(http).Mask(explanation));
    }
}
