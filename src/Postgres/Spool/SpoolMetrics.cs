using System.Diagnostics.Metrics;
using CallGrains.Telemetry;

namespace CallGrains.Postgres.Spool;

/// <summary>
/// The spool's instruments on the meter "CallGrains": observed from the spool when the exporter collects, so the
/// spool's paths record nothing. The drain rate is the rate of <c>callgrains.spool.drained</c>.
/// </summary>
public static class SpoolMetrics
{
    public static void Observe(IMeterFactory meters, PushSpool spool)
    {
        var meter = meters.Create(CallGrainsMetrics.MeterName);
        meter.CreateObservableGauge("callgrains.spool.pushes", () => spool.Depth.Pushes, "{push}",
            "Pushes in this node's spool not yet drained into the store (above 0: the node is spooling).");
        meter.CreateObservableGauge("callgrains.spool.bytes", () => spool.Depth.Bytes, "By",
            "Bytes of the pushes in this node's spool not yet drained into the store.");
        meter.CreateObservableGauge("callgrains.spool.disk", () => spool.DiskBytes, "By",
            "Bytes the spool's files take on disk, which CallGrains:Spool:MaxBytes bounds.");
        meter.CreateObservableCounter("callgrains.spool.drained", () => spool.DrainedPushes, "{push}",
            "Pushes drained from this node's spool into the store since it started.");
        meter.CreateObservableCounter("callgrains.spool.refused", () => spool.RefusedPushes, "{push}",
            "Pushes the spool refused since the node started (full, too many waiting, or a failed write).");
    }
}
