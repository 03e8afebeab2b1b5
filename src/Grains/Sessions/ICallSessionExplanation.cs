using CallGrains.Domain.Calls;
using Orleans.Concurrency;

namespace CallGrains.Sessions;

/// <summary>
/// Why a call's view says what it says, answered by the call's own grain (<see cref="CallSessionGrain"/>, the same
/// activation as <see cref="ICallSessionGrain"/> under the same key): it reads the journal in its turn, so no push of the
/// call is folded meanwhile, and with its own session limits, so the explained view is the one it serves.
/// </summary>
public interface ICallSessionExplanation : IGrainWithStringKey
{
    /// <summary>
    /// The session's journal folded again with provenance (<see cref="CallExplainer"/>); null when no push was ever stored.
    /// Computed on every call and not kept: an active call's memory does not grow.
    /// </summary>
    [ReadOnly]
    [return: Immutable]
    Task<CallExplanation?> ExplainAsync();
}

public static class CallSessionExplanationKey
{
    public static ICallSessionExplanation GetCallSessionExplanation(this IGrainFactory grains, string sessionId) =>
        grains.GetGrain<ICallSessionExplanation>(CallSessionKey.For(sessionId));
}
