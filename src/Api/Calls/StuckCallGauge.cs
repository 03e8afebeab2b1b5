using System.Diagnostics.Metrics;
using CallGrains.Domain.Calls;
using CallGrains.Storage;
using CallGrains.Telemetry;

namespace CallGrains.Api.Calls;

/// <summary>
/// <c>callgrains.calls.stuck</c>: how many calls are stuck, by kind (cdr-overdue, stale), as the list filter
/// <c>?stuck=</c> finds them. Counted by a background look every <see cref="Interval"/> rather than on each scrape, so
/// a scraper cannot make the store work harder; each count stops at <see cref="Cap"/> (an alert needs "some", not
/// the exact number of thousands).
/// </summary>
public sealed partial class StuckCallGauge : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    public const int Cap = 10_000;

    private readonly ICallsProjection _calls;
    private readonly StuckCallWatch _watch;
    private readonly ILogger<StuckCallGauge> _logger;
    private readonly long[] _counts = new long[Enum.GetValues<StuckKind>().Length];
    private bool _counted;

    public StuckCallGauge(ICallsProjection calls, StuckCallWatch watch, IMeterFactory meters, ILogger<StuckCallGauge> logger)
    {
        (_calls, _watch, _logger) = (calls, watch, logger);
        meters.Create(CallGrainsMetrics.MeterName).CreateObservableGauge("callgrains.calls.stuck", Observe, "{call}",
            $"Calls stuck by kind: cdr-overdue (ended, CDR past the platform's last re-send) and stale (silent in progress); counted each minute, at most {Cap}.");
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        if (!Volatile.Read(ref _counted)) yield break;
        foreach (var kind in Enum.GetValues<StuckKind>())
            yield return new Measurement<long>(Interlocked.Read(ref _counts[(int)kind]), new KeyValuePair<string, object?>("kind", ContractWords.Of(kind)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await CountNowAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The store is away: keep the last counts; readiness and the outage counter say the rest.
                LogCountFailed(_logger, ex);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Counts now instead of at the next minute (what the timer does; a test need not wait for it).</summary>
    public async Task CountNowAsync(CancellationToken cancellationToken = default)
    {
        foreach (var kind in Enum.GetValues<StuckKind>())
        {
            var count = await _calls.CountAsync(new CallQuery(Stuck: _watch.Filter(kind)), Cap, cancellationToken);
            Interlocked.Exchange(ref _counts[(int)kind], count);
        }
        Volatile.Write(ref _counted, true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not count stuck calls; the gauge keeps its last values")]
    private static partial void LogCountFailed(ILogger logger, Exception exception);
}
