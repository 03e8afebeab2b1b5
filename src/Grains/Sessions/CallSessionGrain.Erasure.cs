using CallGrains.Domain.Calls;
using CallGrains.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CallGrains.Sessions;

public sealed partial class CallSessionGrain : ICallSessionErasure
{
    public async Task<ErasedRows> EraseAsync()
    {
        // Resolved here rather than injected: only erasure needs it, and it keeps the grain's constructor about pushes.
        var erasure = ServiceProvider.GetRequiredService<IErasureStore>();
        var rows = await StoreGuard.RunAsync(() => erasure.EraseSessionAsync(_sessionId), logger, _sessionId);
        // Forgotten in memory too, before the turn ends: a push this activation still takes before it is gone starts a
        // new call, exactly as one that reaches the next activation (which finds an empty journal).
        _facts = CallFacts.Empty(_sessionId, _facts.Limits);
        _itemKeys.Clear();
        (_firstReceivedAt, _updatedAt, _viewShape, _latestEventAt) = (default, null, 0, null);
        DeactivateOnIdle();
        return rows;
    }
}
