using CallGrains.Domain.Calls;
using CallGrains.Storage;

namespace CallGrains.Sessions;

public sealed partial class CallSessionGrain : ICallSessionExplanation
{
    public async Task<CallExplanation?> ExplainAsync()
    {
        // Read in this grain's turn: no push of the call is folded between the journal read and the answer.
        var entries = await StoreGuard.RunAsync(() => reader.ReadSessionAsync(_sessionId), logger, _sessionId);
        if (entries.Count == 0) return null;
        // The view's time as this grain serves it: the store may keep arrival times less precisely than they were stamped.
        return CallExplainer.Explain(_sessionId, _facts.Limits,
            [.. entries.Select(e => new CallExplainer.Entry(e.Item, e.Folded, Pending: !e.Projected))], _updatedAt);
    }
}
