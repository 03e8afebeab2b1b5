using System.Diagnostics;
using CallGrains.Hosting;
using CallGrains.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Core.Internal;

namespace CallGrains.Retention;

/// <summary>
/// Runs retention for the whole cluster: one activation (a fixed key), non-reentrant, so one run at a time on one node,
/// woken by a reminder. "Now" is the service clock's, so that tests can move it. A run is bounded by
/// CallGrains:Retention:MaxRunSeconds; each week it removes is removed whole, so a run cut short loses nothing.
/// </summary>
public sealed partial class RetentionJobGrain(
    IRetentionStore store,
    IOptions<RetentionOptions> options,
    RetentionMetrics metrics,
    ILogger<RetentionJobGrain> logger)
    : Grain, IRetentionJobGrain, IRemindable
{
    private const string ReminderName = "retention";

    private RetentionOptions Options => options.Value;

    public async Task StartAsync()
    {
        var period = TimeSpan.FromMinutes(Options.IntervalMinutes);
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => RunAsync();

    public async Task<RetentionReport> RunAsync()
    {
        var started = Stopwatch.GetTimestamp();
        var now = ServiceTime.Of(ServiceProvider).GetUtcNow();
        var policy = Options.Policy;
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(Options.MaxRunSeconds));
        var created = 0;
        var sweep = RetentionSweep.None;
        var deactivated = 0;
        var result = "completed";
        try
        {
            created = await store.PrepareAsync(now, now + Options.Ahead, budget.Token);
            if (policy is not null)
            {
                sweep = await store.SweepAsync(policy, now, ActiveSessionsAsync, budget.Token);
                deactivated = await DeactivateAsync(sweep.RemovedActiveSessions);
            }
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            result = "out-of-time";
        }
        catch (Exception ex)
        {
            result = "failed";
            LogFailed(logger, ex);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.Ran(result, elapsed, created, sweep);
        LogRun(logger, result, policy is null ? "off" : $"{Options.Days} days", now, created, sweep.PartitionsDropped,
            sweep.WeeksRemoved, sweep.WeeksPostponed, sweep.CallsRemoved, sweep.ChangesRemoved, deactivated, elapsed.TotalMilliseconds);
        return new RetentionReport(policy is not null, created, sweep.PartitionsDropped, sweep.WeeksRemoved, sweep.WeeksPostponed,
            sweep.CallsRemoved, sweep.ChangesRemoved, deactivated, result == "completed");
    }

    /// <summary>The sessions whose call grains are active anywhere in the cluster.</summary>
    private async Task<IReadOnlySet<string>> ActiveSessionsAsync()
    {
        var type = GrainFactory.GetCallSession("").GetGrainId().Type;
        var active = await GrainFactory.GetGrain<IManagementGrain>(0).GetActiveGrains(type);
        return active.Select(id => CallSessionKey.SessionIdOf(id.Key.ToString()!)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// An active grain of a removed call still holds its facts; a push to it would continue the old call on top of an
    /// empty journal. Deactivated, its next push (or view) activates it afresh from what the store holds now: nothing.
    /// </summary>
    private async Task<int> DeactivateAsync(IReadOnlyList<string> sessions)
    {
        foreach (var session in sessions)
            await GrainFactory.GetCallSession(session).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        return sessions.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention run {Result} (retention {Retention}, now {Now:O}): {PartitionsCreated} partitions created, {PartitionsDropped} dropped; {WeeksRemoved} weeks of calls removed, {WeeksPostponed} postponed; {CallsRemoved} calls and {ChangesRemoved} changes removed; {GrainsDeactivated} grains deactivated; {ElapsedMs:F0} ms")]
    private static partial void LogRun(ILogger logger, string result, string retention, DateTimeOffset now, int partitionsCreated,
        int partitionsDropped, int weeksRemoved, int weeksPostponed, long callsRemoved, long changesRemoved, int grainsDeactivated, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention run failed; the next run tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
