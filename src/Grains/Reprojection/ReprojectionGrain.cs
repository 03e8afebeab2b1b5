using CallGrains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallGrains.Reprojection;

/// <summary>
/// Runs the re-derivation for the whole cluster: one activation, non-reentrant. A grain timer takes one page per tick
/// (<see cref="ReprojectionOptions.PageSize"/> calls, <see cref="ReprojectionOptions.Parallelism"/> at a time) and pauses
/// between pages, so ingest goes on; a walk ends at the last stale call, and the reminder starts the next one (rows that
/// failed, or were written by a silo of an older build during a rolling upgrade, are found then).
/// </summary>
public sealed partial class ReprojectionGrain(
    IStoredViews store,
    IOptions<ReprojectionOptions> options,
    ILogger<ReprojectionGrain> logger)
    : Grain, IReprojectionGrain, IRemindable
{
    private const string ReminderName = "reproject";

    private ReprojectionTally _walk = ReprojectionTally.Empty;
    private bool _walking;
    private IGrainTimer? _timer;

    private ReprojectionOptions Options => options.Value;

    public async Task StartAsync()
    {
        var period = TimeSpan.FromMinutes(Options.IntervalMinutes);
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
        Walk();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Walk();
        return Task.CompletedTask;
    }

    public Task<ReprojectionTally> ProgressAsync() => Task.FromResult(_walk);

    /// <summary>Starts a walk unless one is under way (or the job is off).</summary>
    private void Walk()
    {
        if (_walking || !Options.Enabled) return;
        (_walking, _walk) = (true, ReprojectionTally.Empty);
        _timer ??= this.RegisterGrainTimer(StepAsync, new GrainTimerCreationOptions
        {
            DueTime = Timeout.InfiniteTimeSpan,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
        _timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        try
        {
            var page = await new ReprojectionWalk(store, GrainFactory).NextPageAsync(_walk.Last, Options.PageSize, Options.Parallelism, cancellationToken);
            _walk = _walk.Add(page);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store is away: this walk ends here, and the reminder starts the next one.
            LogStepFailed(logger, ex);
            _walk = _walk with { Complete = true };
        }
        if (!_walk.Complete)
        {
            _timer?.Change(TimeSpan.FromMilliseconds(Options.PauseMilliseconds), Timeout.InfiniteTimeSpan);
            return;
        }
        _walking = false;
        if (_walk.Asked > 0)
            LogWalked(logger, _walk.Asked, _walk.Rewritten, _walk.Unchanged, _walk.Current, _walk.Moved, _walk.Failed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reprojection walk: {Asked} calls asked, {Rewritten} rewritten, {Unchanged} unchanged, {Current} current already, {Moved} moved on, {Failed} failed")]
    private static partial void LogWalked(ILogger logger, int asked, int rewritten, int unchanged, int current, int moved, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reprojection step failed; the next walk starts at the reminder")]
    private static partial void LogStepFailed(ILogger logger, Exception exception);
}
