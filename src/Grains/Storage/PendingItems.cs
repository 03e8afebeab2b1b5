using CallGrains.Domain.Pushes;

namespace CallGrains.Storage;

/// <summary>
/// Items made durable without their call's grain: journaled as not yet folded into the projection (no calls row, no
/// change), by a node whose grain call failed (the silo died) or by the spool's drainer. The session's grain folds them
/// when it catches up (<c>ICallSessionGrain.CatchUpAsync</c>) or activates, and only then do they make versions and changes.
/// </summary>
public interface IPendingJournal
{
    /// <summary>
    /// Journals the items as pending (no projection row, no change), in one transaction; an item whose
    /// (session, item key) the journal already holds is a no-op. Throws <see cref="StoreUnavailableException"/>.
    /// </summary>
    /// <remarks>The key is read from the item as the grain reads it (<see cref="ItemReading.Of"/>), so identity is the same whoever journals it.</remarks>
    Task AppendPendingAsync(IReadOnlyList<PushItem> items, CancellationToken cancellationToken = default);

    /// <summary>Sessions that hold pending items, at most <paramref name="limit"/>, oldest pending first.</summary>
    Task<IReadOnlyList<string>> SessionsWithPendingAsync(int limit, CancellationToken cancellationToken = default);
}
