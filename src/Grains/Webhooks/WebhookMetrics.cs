using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CallGrains.Webhooks;

/// <summary>Webhook deliveries on the service's one meter, "CallGrains" (exported with the others).</summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "CallGrains";

    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _lag;
    private long _backlog;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("callgrains.webhook.deliveries", "{attempt}",
            "Webhook delivery attempts, by result: delivered (a 2xx) or failed (anything else, retried later).");
        _duration = meter.CreateHistogram<double>("callgrains.webhook.delivery.duration", "s",
            "How long one delivery attempt took, until the receiver's answer or the timeout.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _lag = meter.CreateHistogram<double>("callgrains.webhook.lag", "s",
            "From a change's push arriving to its delivery being acknowledged by the receiver.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600] });
        meter.CreateObservableGauge("callgrains.webhook.backlog", () => Volatile.Read(ref _backlog), "{change}",
            "Changes not yet delivered, summed over all subscriptions, as counted every 10 s (every silo reports the same total: take the maximum, not the sum).");
    }

    public void Backlog(long total) => Volatile.Write(ref _backlog, total);

    public void Attempted(SendResult result, TimeSpan? lag)
    {
        _deliveries.Add(1, new KeyValuePair<string, object?>("result", result.Delivered ? "delivered" : "failed"));
        _duration.Record(result.Duration.TotalSeconds);
        if (result.Delivered && lag is { } l) _lag.Record(Math.Max(0, l.TotalSeconds));
    }
}
