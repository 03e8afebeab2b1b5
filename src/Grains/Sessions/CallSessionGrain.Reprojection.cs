using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallGrains.Sessions;

/// <summary>
/// Re-derivation after an upgrade of the fold. An activation folds the journal with this build's fold and this build's
/// item identities (read from each stored body, never taken from the stored key), so what it holds is current; what can
/// be stale is the calls row an older build wrote. The grain compares the two and rewrites the row only when the view
/// differs. It does so itself, one turn like a push, so that a push for the call waits instead of racing the rewrite.
/// </summary>
public sealed partial class CallSessionGrain
{
    // The facts' version once the activation had read its journal and its row: the same at a reprojection means no item
    // came since, i.e. the activation was only for the reprojection, and it goes again rather than sit in memory.
    private int _versionAtActivation;
    // What the activation's own re-derivation did: reported by a reprojection that is what activated the grain.
    private ReprojectOutcome? _reprojectedAtActivation;

    // Resolved rather than injected, as erasure's store is: only activations of existing calls and reprojections use it.
    private IStoredViews StoredViews => ServiceProvider.GetRequiredService<IStoredViews>();

    public async Task<ReprojectOutcome> ReprojectAsync()
    {
        var idle = _facts.Version == _versionAtActivation;
        var outcome = ReprojectOutcome.NoRow;
        if (idle && _reprojectedAtActivation is { } done) outcome = done;
        else if (_updatedAt is not null && await ReadStoredViewAsync() is { } stored)
        {
            // Written past what this activation folded: not by this grain, so its memory may be behind the journal. It
            // goes, and the next activation reads the journal again before it is asked again.
            if (stored.Version > _facts.Version)
            {
                DeactivateOnIdle();
                return ReprojectOutcome.Moved;
            }
            outcome = await ReprojectAsync(stored);
        }
        _reprojectedAtActivation = null;
        if (idle || outcome == ReprojectOutcome.Moved) DeactivateOnIdle();
        return outcome;
    }

    /// <summary>
    /// At the activation of a call that has items: a view's version never goes back (a re-derivation counts one past the
    /// items, and identities recomputed by a newer fold can merge two old ones), and a row an older fold wrote is
    /// re-derived now rather than when the job comes by. A failure to rewrite leaves the activation serving; the job retries.
    /// </summary>
    private async Task AdoptStoredViewAsync()
    {
        if (_updatedAt is not null && await ReadStoredViewAsync() is { } stored)
        {
            if (stored.Version > _facts.Version) _facts = _facts with { Version = stored.Version };
            try
            {
                _reprojectedAtActivation = await ReprojectAsync(stored);
            }
            catch (StoreUnavailableException ex)
            {
                LogReprojectFailed(logger, ex, _sessionId);
            }
        }
        _versionAtActivation = _facts.Version;
    }

    private Task<StoredView?> ReadStoredViewAsync() =>
        StoreGuard.RunAsync(() => StoredViews.ReadAsync(_sessionId), logger, _sessionId);

    private async Task<ReprojectOutcome> ReprojectAsync(StoredView stored)
    {
        if (stored.FoldVersion >= CallFold.Version) return ReprojectOutcome.Current;
        var view = CallRendering.View(_facts) with { UpdatedAt = _updatedAt };
        var json = ViewJson.Of(view);
        if (ViewShape.Same(json, stored.ViewJson))
        {
            await StoreGuard.RunAsync(() => StoredViews.StampAsync(_sessionId, stored.Version, CallFold.Version), logger, _sessionId);
            return ReprojectOutcome.Unchanged;
        }

        // A view that says something else is a new version with its change in the feed, as a push's would be: readers
        // that follow versions (the feed, webhooks, the console) see it, and the row never goes back to the old view.
        var facts = _facts with { Version = Math.Max(_facts.Version, stored.Version) + 1 };
        view = view with { Version = facts.Version };
        json = ViewJson.Of(view);
        var row = CallRow.Of(view, _firstReceivedAt, json);
        var type = ChangeTypes.Of(wasFinal: stored.Final, isFinal: view.Final);
        if (!await StoreGuard.RunAsync(() => StoredViews.RewriteAsync(row, stored.Version, type), logger, _sessionId))
        {
            DeactivateOnIdle();
            return ReprojectOutcome.Moved;
        }
        (_facts, _viewShape) = (facts, ViewShape.Of(json));
        return ReprojectOutcome.Rewritten;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {SessionId} activated without re-deriving its row written by an older fold; the reprojection job will ask again")]
    private static partial void LogReprojectFailed(ILogger logger, Exception exception, string sessionId);
}
