using CallGrains.Storage;

namespace CallGrains.Sessions;

/// <summary>
/// Erasure of one call, implemented by the call's own grain (<see cref="CallSessionGrain"/>, the same activation as
/// <see cref="ICallSessionGrain"/> under the same key), so that it runs in the grain's turn: no push of the call is
/// folded while its data is being removed.
/// </summary>
public interface ICallSessionErasure : IGrainWithStringKey
{
    /// <summary>
    /// Removes everything stored of the call (<see cref="IErasureStore.EraseSessionAsync"/>), forgets it in memory and
    /// deactivates: a later push for the session starts a new call. <see cref="ErasedRows.None"/> when nothing was stored.
    /// </summary>
    Task<ErasedRows> EraseAsync();
}

public static class CallSessionErasureKey
{
    public static ICallSessionErasure GetCallSessionErasure(this IGrainFactory grains, string sessionId) =>
        grains.GetGrain<ICallSessionErasure>(CallSessionKey.For(sessionId));
}
