using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Diagnostics.Metrics;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;

namespace CallGrains.Telemetry;

/// <summary>Why a push was answered as it was: the <c>result</c> tag of <c>callgrains.pushes</c>.</summary>
public static class PushResults
{
    public const string Stored = "stored";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string TooManyRequests = "too-many-requests";
    public const string Unavailable = "unavailable";
}

/// <summary>
/// CallGrains' own instruments, all on the one meter <see cref="MeterName"/> that every node exports (the webhook
/// sender records its deliveries on the same name). Created through <see cref="IMeterFactory"/> so that each host
/// (and each test's host) counts for itself. Tags only ever take values from closed sets, so a client cannot grow
/// the number of series: an event type the protocol does not define is counted as "other".
/// </summary>
public sealed class CallGrainsMetrics
{
    public const string MeterName = "CallGrains";

    private readonly Counter<long> _pushes;
    private readonly Counter<long> _items;
    private readonly Counter<long> _unverified;
    private readonly Histogram<double> _ackDuration;
    private readonly Counter<long> _outOfOrder;
    private readonly Histogram<double> _cdrLateness;
    private readonly Counter<long> _outcomes;
    private readonly UpDownCounter<long> _inProgress;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _storeOutages;
    private readonly Counter<long> _heldBack;

    public CallGrainsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _pushes = meter.CreateCounter<long>("callgrains.pushes", "{push}",
            "Pushes answered, by event type and result (stored, duplicate, rejected, unauthorized, forbidden, too-many-requests, unavailable).");
        _items = meter.CreateCounter<long>("callgrains.push.items", "{item}",
            "Push items by event type and result: stored (journaled) or duplicate (nothing written).");
        _unverified = meter.CreateCounter<long>("callgrains.push.unverified", "{push}",
            "Pushes kept although their signature did not verify (CallGrains:PushAuthentication in flag mode).");
        _ackDuration = meter.CreateHistogram<double>("callgrains.push.ack.duration", "s",
            "From a push's arrival until its acknowledgement (every item committed).",
            // 15 and 20 ms: a p99 near the 25 ms that issue 10 sets for half load can be told from one just under it.
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _outOfOrder = meter.CreateCounter<long>("callgrains.items.out_of_order", "{item}",
            "Status items that arrived after the call's CDR or after a later event of the same call.");
        _cdrLateness = meter.CreateHistogram<double>("callgrains.cdr.lateness", "s",
            "From the disconnect event's time to the CDR's arrival.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600] });
        _outcomes = meter.CreateCounter<long>("callgrains.calls.completed", "{call}",
            "Calls that became final (their CDR was merged), by scenario and outcome.");
        _inProgress = meter.CreateUpDownCounter<long>("callgrains.calls.in_progress", "{call}",
            "Calls with pushes but no CDR yet, as this node's grains saw them since it started (sum over silos).");
        _batchSize = meter.CreateHistogram<long>("callgrains.journal.batch.size", "{append}",
            "Appends carried by one group-commit transaction.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        _commitDuration = meter.CreateHistogram<double>("callgrains.journal.commit.duration", "s",
            "Time one group-commit transaction took (PostgreSQL only).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _storeOutages = meter.CreateCounter<long>("callgrains.store.outages", "{request}",
            "Requests answered 503, by the part that was missing (missing: storage, cluster or deadline).");
        _heldBack = meter.CreateCounter<long>("callgrains.changes.held_back", "{read}",
            "Change-feed reads that found a change committed behind a transaction still open (PostgreSQL), by how they ended: " +
            "caught-up (it ended while the read waited) or timed-out (the read answered without the change after waiting its limit).");
    }

    /// <summary>The event type as a tag value: the protocol's words, else "other" (never a client's free text).</summary>
    public static string EventTypeTag(string? eventType) => eventType switch
    {
        null or "" => "unknown",
        PushItem.FeeEventType => PushItem.FeeEventType,
        _ when StatusEvent.TypeOf(eventType) is not null => eventType,
        _ => "other",
    };

    public void Push(string? eventType, string result) =>
        _pushes.Add(1, new TagList { { "event_type", EventTypeTag(eventType) }, { "result", result } });

    public void Items(string? eventType, int stored, int duplicates)
    {
        var type = EventTypeTag(eventType);
        if (stored > 0) _items.Add(stored, new TagList { { "event_type", type }, { "result", PushResults.Stored } });
        if (duplicates > 0) _items.Add(duplicates, new TagList { { "event_type", type }, { "result", PushResults.Duplicate } });
    }

    public void Unverified() => _unverified.Add(1);

    public void Acknowledged(TimeSpan elapsed) => _ackDuration.Record(elapsed.TotalSeconds);

    public void OutOfOrder(string eventType) => _outOfOrder.Add(1, new KeyValuePair<string, object?>("event_type", EventTypeTag(eventType)));

    public void CdrLateness(TimeSpan lateness) => _cdrLateness.Record(Math.Max(0, lateness.TotalSeconds));

    public void Completed(CallScenario scenario, CallOutcome? outcome) =>
        _outcomes.Add(1, new TagList { { "scenario", ContractWords.Of(scenario) }, { "outcome", outcome is { } o ? ContractWords.Of(o) : "none" } });

    public void CallStarted() => _inProgress.Add(1);

    public void CallEnded() => _inProgress.Add(-1);

    public void Committed(int batchSize, TimeSpan elapsed)
    {
        _batchSize.Record(batchSize);
        _commitDuration.Record(elapsed.TotalSeconds);
    }

    /// <param name="caughtUp">Whether the older transaction ended within the read's wait; false: the read answered without the held changes.</param>
    public void HeldBack(bool caughtUp) => _heldBack.Add(1, new KeyValuePair<string, object?>("outcome", caughtUp ? "caught-up" : "timed-out"));

    /// <param name="missingPart">What was missing: "storage", "cluster" or "deadline" (the 503's <c>unavailable</c> member).</param>
    public void StoreOutage(string missingPart) => _storeOutages.Add(1, new KeyValuePair<string, object?>("missing", missingPart));
}

public static class CallGrainsMetricsExtensions
{
    /// <summary>The meter factory and <see cref="CallGrainsMetrics"/>; safe to call from every wiring that needs them.</summary>
    public static IServiceCollection AddCallGrainsMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<CallGrainsMetrics>();
        return services;
    }
}
