using CallGrains.Domain.Pushes;
using CallGrains.Sessions;
using CallGrains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallGrains.Postgres.Spool;

/// <summary>
/// Moves what the node's spool holds into the store, in arrival order: a batch is read, journaled as pending (no
/// projection row, no change yet), marked drained, and only then are its sessions nudged to catch up, which makes
/// their versions and changes. Starts with the node, so a spool left undrained by a crash is drained at once; while
/// the store is still away it backs off. A node killed between journaling a batch and marking it drained journals
/// that batch again on restart, which the journal takes as duplicates.
/// </summary>
public sealed partial class SpoolDrainer(
    PushSpool spool,
    IPendingJournal journal,
    CatchUpNudges nudges,
    ILogger<SpoolDrainer> logger) : BackgroundService
{
    /// <summary>Pushes read from the spool per batch.</summary>
    public const int BatchPushes = 512;

    /// <summary>Items per transaction: a batch of fee pushes can hold 50 each.</summary>
    public const int ItemsPerAppend = 2048;

    /// <summary>How often an empty spool is looked at (an in-memory count, no disk).</summary>
    public static readonly TimeSpan IdleLook = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between tries while the store is away: also how late a drain can start after it returns.</summary>
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan SayAgainAfter = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        var failing = false;
        var lastSaid = (Failure: "", At: DateTime.MinValue);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!spool.IsSpooling)
            {
                await Task.Delay(IdleLook, stoppingToken);
                continue;
            }
            try
            {
                var drained = await DrainBatchAsync(stoppingToken);
                if (failing) LogResumed(logger, spool.Depth.Pushes);
                (failing, retry) = (false, FirstRetry);
                if (drained == 0) await Task.Delay(IdleLook, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The store away is expected; anything else is logged as an error, but the drain must not stop the
                // node (its pushes are safe in the spool), so it is retried the same way. A failure is said when it
                // changes and once a minute while it lasts, so that one that is not an outage (a statement the
                // server refuses) does not hide behind the first.
                if (ex is not StoreUnavailableException) LogFailed(logger, ex, spool.Depth.Pushes);
                else if (ex.Message != lastSaid.Failure || DateTime.UtcNow - lastSaid.At > SayAgainAfter)
                {
                    LogStoreAway(logger, ex, spool.Depth.Pushes);
                    lastSaid = (ex.Message, DateTime.UtcNow);
                }
                failing = true;
                await Task.Delay(retry, stoppingToken);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }

    /// <summary>One batch, journaled then marked drained; returns how many pushes it held.</summary>
    public async Task<int> DrainBatchAsync(CancellationToken cancellationToken = default)
    {
        var batch = spool.Read(BatchPushes);
        if (!batch.MovesOn) return 0;
        var items = batch.Pushes.SelectMany(push => push).ToList();
        for (var i = 0; i < items.Count; i += ItemsPerAppend)
            await journal.AppendPendingAsync(items.GetRange(i, Math.Min(ItemsPerAppend, items.Count - i)), cancellationToken);
        spool.MarkDrained(batch);
        if (items.Count > 0) nudges.Nudge(SessionsOf(items));
        return batch.Pushes.Count;
    }

    private static HashSet<string> SessionsOf(List<PushItem> items) => [.. items.Select(item => item.SessionId)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "The spool holds {Pushes} pushes and the store cannot take them yet; retrying")]
    private static partial void LogStoreAway(ILogger logger, Exception exception, long pushes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Draining the spool ({Pushes} pushes) failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception, long pushes);

    [LoggerMessage(Level = LogLevel.Information, Message = "The store takes the spool's pushes again; {Pushes} left to drain")]
    private static partial void LogResumed(ILogger logger, long pushes);
}
