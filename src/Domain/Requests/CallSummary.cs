using CallGrains.Domain.Calls;

namespace CallGrains.Domain.Requests;

/// <summary>A call as its business request sees it.</summary>
/// <param name="Unverified">How many of the call's items failed a check and were not believed.</param>
public sealed record CallSummary(
    string SessionId,
    CallStatus Status,
    CallOutcome? Outcome,
    bool Final,
    DateTimeOffset UpdatedAt,
    int Version,
    int Unverified = 0);

/// <summary>How a business request stands over all its call attempts.</summary>
public static class RequestOutcome
{
    /// <summary>Answered wins: the request reached someone. Otherwise the latest ended call says how it stands; null while none ended.</summary>
    public static CallOutcome? Best(IEnumerable<CallSummary> calls)
    {
        var ended = calls.Where(c => c.Outcome is not null).ToList();
        return ended.Any(c => c.Outcome == CallOutcome.Answered)
            ? CallOutcome.Answered
            : ended.MaxBy(c => c.UpdatedAt)?.Outcome;
    }
}
