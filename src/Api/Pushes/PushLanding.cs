using System.ComponentModel.DataAnnotations;
using System.Runtime.ExceptionServices;
using CallGrains.Api.Operations;
using CallGrains.Domain.Pushes;
using CallGrains.Hosting;
using CallGrains.Sessions;
using CallGrains.Storage;
using Microsoft.Extensions.Options;

namespace CallGrains.Api.Pushes;

/// <summary>How a push's items land, bound from "CallGrains:Pushes".</summary>
public sealed class PushLandingOptions
{
    public const string Section = "CallGrains:Pushes";

    /// <summary>
    /// How long a push waits for its grains before this node journals the items itself (pending) and acknowledges; at
    /// most two thirds of the request's limit (<c>CallGrains:Limits:RequestTimeoutSeconds</c>), so that the fallback has
    /// time left. A silo that died usually fails the call at once: this is for one that hangs.
    /// </summary>
    [Range(1, 600)]
    public int GrainCallTimeoutSeconds { get; set; } = 8;
}

/// <summary>What landing a push's items did.</summary>
/// <param name="Pending">Items this node journaled itself because their grain did not answer.</param>
public sealed record PushLanded(int Stored, int Duplicates, int Pending);

/// <summary>
/// Where a push's items go: each to its call's grain, which folds, journals and projects it. When a grain call fails
/// because the grain's silo died or did not answer (<see cref="Unavailability.Cluster"/>), this node makes the items
/// durable itself (<see cref="IPendingJournal"/>: journaled, folded when the grain catches up), tells their grains to
/// catch up, and the push is acknowledged: the platform never re-sends a status push, and an item is the same item
/// whoever journals it. When the store tried and failed (a commit, or an activation's read) and this node has a spool,
/// the items go to the spool instead (<see cref="PushSpooling"/>), and so do the cluster branch's when its own append
/// fails for the store. Any other failure fails the push, and so does a failed fallback or a full spool, as a 503
/// naming what was missing.
/// </summary>
public sealed partial class PushLanding(
    IGrainFactory grains,
    IPendingJournal pending,
    CatchUpNudges nudges,
    PushSpooling spooling,
    SharedDeadlines deadlines,
    IOptionsMonitor<PushLandingOptions> options,
    IOptionsMonitor<HttpLimits> limits,
    ILogger<PushLanding> logger)
{
    public async Task<PushLanded> LandAsync(IReadOnlyList<PushItem> items)
    {
        var calls = new Task<RecordResult>[items.Count];
        for (var i = 0; i < calls.Length; i++) calls[i] = grains.GetCallSession(items[i].SessionId).RecordAsync(items[i]);
        Task all = calls.Length == 1 ? calls[0] : Task.WhenAll(calls);
        var waited = GrainCallLimit;
        if (!all.IsCompleted) await Task.WhenAny(all, deadlines.After(waited));
        if (all.IsCompletedSuccessfully) return Landed(calls, pending: 0);
        // A grain call still running may yet fail; nobody awaits it any more.
        if (!all.IsCompleted) _ = all.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);

        var missed = new List<PushItem>();
        var spooled = new List<PushItem>();
        Exception? clusterFailure = null;
        for (var i = 0; i < calls.Length; i++)
        {
            if (calls[i].IsCompletedSuccessfully) continue;
            var failure = calls[i].IsCompleted
                ? calls[i].Exception?.InnerException ?? new TaskCanceledException(calls[i])
                : new TimeoutException($"The grain of call {items[i].SessionId} did not answer within {waited.TotalSeconds:0.#} s.");
            // The store tried and failed: the spool stands in for it, when this node has one.
            if (spooling.Takes(failure))
            {
                spooled.Add(items[i]);
                continue;
            }
            // Neither (no spool, or the store refused: it is up but behind): the push fails as before.
            if (Unavailability.Of(failure) != Unavailability.Cluster) ExceptionDispatchInfo.Throw(failure);
            clusterFailure ??= failure;
            missed.Add(items[i]);
        }

        if (missed.Count > 0)
        {
            try
            {
                await pending.AppendPendingAsync(missed);
                nudges.Nudge(missed.Select(item => item.SessionId).Distinct(StringComparer.Ordinal));
                LogFellBack(logger, clusterFailure, missed.Count);
            }
            catch (StoreUnavailableException ex) when (spooling.Takes(ex))
            {
                // The silo and the store both away: the spool takes these too, and the drainer journals them later.
                spooled.AddRange(missed);
            }
            catch (StoreUnavailableException ex)
            {
                LogFallbackFailed(logger, ex, missed.Count);
                ExceptionDispatchInfo.Throw(clusterFailure!);
            }
        }
        // One push in the spool, written whole or not at all; full (or failed) is the storage 503 it throws.
        if (spooled.Count > 0) await spooling.SpoolAsync(spooled);
        return Landed(calls, missed.Count + spooled.Count);
    }

    /// <summary>The setting, but never more than two thirds of the request's limit.</summary>
    private TimeSpan GrainCallLimit => TimeSpan.FromSeconds(Math.Min(
        options.CurrentValue.GrainCallTimeoutSeconds, limits.CurrentValue.RequestTimeoutSeconds * 2.0 / 3));

    private static PushLanded Landed(Task<RecordResult>[] calls, int pending)
    {
        var (stored, duplicates) = (0, 0);
        foreach (var call in calls)
        {
            if (!call.IsCompletedSuccessfully) continue;
            if (call.Result.Duplicate) duplicates++;
            else stored++;
        }
        return new PushLanded(stored, duplicates, pending);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A grain did not answer; this node journaled {Count} item(s) as pending and acknowledged the push")]
    private static partial void LogFellBack(ILogger logger, Exception? exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "A grain did not answer and {Count} item(s) could not be journaled as pending either; the push is refused")]
    private static partial void LogFallbackFailed(ILogger logger, Exception exception, int count);
}

public static class PushLandingExtensions
{
    /// <summary>The push path's landing with its settings, and the nudges it hands sessions to (a silo's own, when there is one).</summary>
    public static WebApplicationBuilder AddCallGrainsPushLanding(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<PushLandingOptions>(builder.Configuration, PushLandingOptions.Section);
        builder.Services.AddCallGrainsCatchUpNudges(builder.Configuration);
        builder.Services.AddSingleton<PushLanding>();
        return builder;
    }
}
