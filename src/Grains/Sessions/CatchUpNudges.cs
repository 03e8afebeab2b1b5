using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallGrains.Sessions;

/// <summary>Catch-up nudges and the sweep, bound from "CallGrains:CatchUp".</summary>
public sealed class CatchUpOptions
{
    public const string Section = "CallGrains:CatchUp";

    /// <summary>How often each silo asks the store for sessions with pending items and nudges them (the first time at start).</summary>
    [Range(1, 3600)]
    public int SweepSeconds { get; set; } = 5;

    /// <summary>Most sessions one sweep nudges; the next sweep takes the rest.</summary>
    [Range(1, 100_000)]
    public int SweepBatch { get; set; } = 1000;

    /// <summary>Grain calls one nudge makes at most while the grain cannot be reached; after that the sweep takes over.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Longest one nudge keeps retrying, its delays included.</summary>
    [Range(1, 3600)]
    public int MaxRetrySeconds { get; set; } = 60;

    /// <summary>Sessions being nudged at once on this node; nudges past it are left to the sweep.</summary>
    [Range(1, 1_000_000)]
    public int MaxInFlight { get; set; } = 10_000;
}

/// <summary>
/// Tells calls' grains to catch up (<see cref="ICallSessionGrain.CatchUpAsync"/>) after this node journaled items for them
/// without them (<see cref="IPendingJournal"/>). A nudge runs in the background and retries with doubling delays while the
/// grain cannot be reached (its silo died and the cluster has not noticed yet), bounded in attempts and time. A nudge can
/// still be lost (the node dies, the bounds run out): the sweep, on every silo every few seconds and first at start, asks
/// the store which sessions hold pending items and nudges them, until none is left.
/// </summary>
public sealed partial class CatchUpNudges(
    IGrainFactory grains, IPendingJournal pending, IOptions<CatchUpOptions> options, ILogger<CatchUpNudges> logger)
    : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(8);

    private readonly CatchUpOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Running> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _sweeping = Task.CompletedTask;

    /// <summary>Sessions being nudged now.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Tells each session's grain to catch up, in the background; returns at once.</summary>
    public void Nudge(IEnumerable<string> sessionIds)
    {
        foreach (var sessionId in sessionIds)
        {
            if (_stopping.IsCancellationRequested) return;
            if (_inFlight.TryGetValue(sessionId, out var running))
            {
                // The running nudge may have read the journal before this session's newest pending items: once more.
                running.Again = true;
                continue;
            }
            if (_inFlight.Count >= _options.MaxInFlight) continue;
            var nudge = new Running();
            if (_inFlight.TryAdd(sessionId, nudge)) _ = Task.Run(() => RunAsync(sessionId, nudge));
            else if (_inFlight.TryGetValue(sessionId, out running)) running.Again = true;
        }
    }

    /// <summary>Starts the sweep: now, then every <see cref="CatchUpOptions.SweepSeconds"/> until disposed.</summary>
    public void StartSweeping() => _sweeping = Task.Run(SweepLoopAsync);

    /// <summary>One sweep: nudges the sessions the store says hold pending items; returns how many it nudged.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var sessions = await pending.SessionsWithPendingAsync(_options.SweepBatch, cancellationToken);
        Nudge(sessions);
        return sessions.Count;
    }

    private async Task SweepLoopAsync()
    {
        var interval = TimeSpan.FromSeconds(_options.SweepSeconds);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (await SweepAsync(_stopping.Token) > 0) LogSwept(logger);
                await Task.Delay(interval, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The store is away: the next sweep asks again.
                LogSweepFailed(logger, ex);
                await Task.Delay(interval, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync(string sessionId, Running nudge)
    {
        var started = DateTimeOffset.UtcNow;
        var limit = TimeSpan.FromSeconds(_options.MaxRetrySeconds);
        var delay = FirstRetryDelay;
        var attempt = 0;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                nudge.Again = false;
                attempt++;
                try
                {
                    await grains.GetCallSession(sessionId).CatchUpAsync();
                    if (!nudge.Again) return;
                    continue;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    if (attempt >= _options.MaxAttempts || DateTimeOffset.UtcNow - started + delay > limit)
                    {
                        LogGaveUp(logger, ex, sessionId, attempt);
                        return;
                    }
                }
                await Task.Delay(delay, _stopping.Token);
                delay = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            _inFlight.TryRemove(sessionId, out _);
            // Asked again between the last catch-up and its removal: one more nudge, now that none runs.
            if (nudge.Again && !_stopping.IsCancellationRequested) Nudge([sessionId]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Not disposed: nudges still running read it as they wind down. Idempotent, as the silo's stop and the container both call it.
        await _stopping.CancelAsync();
        await _sweeping;
    }

    /// <summary>A nudge running for a session; <see cref="Again"/>: asked again meanwhile.</summary>
    private sealed class Running
    {
        public volatile bool Again;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep found calls with pending items and nudged them to catch up")]
    private static partial void LogSwept(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep for pending items failed; it runs again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {SessionId} did not catch up after {Attempts} attempts; the sweep will ask again")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string sessionId, int attempts);
}
