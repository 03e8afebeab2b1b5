using System.Globalization;
using CallGrains.PushSimulator;

namespace CallGrains.Bench;

/// <summary>
/// Issue 10's anchors, under the same simulator load as CallGrains: the HTTP ceiling (bare Kestrel that parses each push
/// and acknowledges it) and the plain receiver (ASP.NET Core + Npgsql, a transaction per push), each its own process.
/// </summary>
public static class Anchors
{
    // As steps (b) and (c) warm up.
    private const int WarmUpConcurrency = 64;

    /// <summary>
    /// The ceiling's rate at <paramref name="concurrency"/> in flight (the embedded step's count), then its latency at
    /// <paramref name="offered"/> pushes/s (the rate the anchors' latency is compared at): what the load generator and
    /// bare HTTP on this host add to any p99 measured at that rate.
    /// </summary>
    public static async Task<(double Rate, Percentiles AtOffered)> HttpCeilingAsync(int concurrency, double offered, int warmUp, int seconds)
    {
        await using var ceiling = await AnchorProcess.StartAsync("ceiling");
        await Load.RunAsync(ceiling, WarmUpConcurrency, rate: 0, warmUp, verify: false);
        var (rate, line) = await MeasureAsync(ceiling, "ceiling", concurrency, seconds);
        Console.WriteLine($"  HTTP ceiling (bare Kestrel: parse, ack, store nothing), {concurrency,3} in flight: {line}");
        var paced = await AtRateAsync(ceiling, offered, seconds);
        Console.WriteLine($"  HTTP ceiling, {offered:F0}/s offered: {paced.Line}");
        return (rate, paced.Latency);
    }

    /// <summary>
    /// The plain receiver's best rate over the PostgreSQL step's in-flight counts, on a database of its own, then its
    /// latency at half that rate, measured as CallGrains' is at half its maximum (issue 10's latency target applied to
    /// the straightforward app: what a durable store on this host's disk gives at half its maximum).
    /// </summary>
    public static async Task<(double Rate, int Concurrency, Percentiles AtHalf)> PlainReceiverAsync(
        string connectionString, IReadOnlyList<int> concurrencies, int warmUp, int seconds)
    {
        await using var receiver = await AnchorProcess.StartAsync("plain-receiver", new Dictionary<string, string>
        {
            ["ConnectionStrings__Anchor"] = connectionString,
        });
        await Load.RunAsync(receiver, WarmUpConcurrency, rate: 0, warmUp, verify: false);
        var best = (Rate: 0.0, Concurrency: 0);
        foreach (var concurrency in concurrencies)
        {
            var (rate, line) = await MeasureAsync(receiver, "receiver", concurrency, seconds);
            Console.WriteLine($"  plain receiver (ASP.NET Core + Npgsql, a transaction per push), {concurrency,3} in flight: {line}");
            if (rate > best.Rate) best = (rate, concurrency);
        }
        var half = await AtRateAsync(receiver, best.Rate / 2, seconds);
        Console.WriteLine($"  plain receiver at half, {best.Rate / 2:F0}/s offered: {half.Line}");
        Console.WriteLine("    not verified: the plain receiver keeps no views for the verifier to read");
        return (best.Rate, best.Concurrency, half.Latency);
    }

    /// <summary>Load at a fixed rate with CallGrains' half step's senders: latency from each push's scheduled send.</summary>
    private static async Task<(Percentiles Latency, string Line)> AtRateAsync(AnchorProcess anchor, double rate, int seconds)
    {
        var (traffic, _, _) = await Load.RunAsync(anchor, concurrency: Load.PacedSenders, rate, seconds, verify: false);
        return (traffic.LatencyMs, $"{traffic.AcknowledgedPerSecond,7:F0}/s acknowledged, {traffic.Latency}{traffic.Unacknowledged}");
    }

    private static async Task<(double Rate, string Line)> MeasureAsync(AnchorProcess anchor, string name, int concurrency, int seconds)
    {
        var before = AnchorCpu.Take(anchor);
        var (traffic, _, _) = await Load.RunAsync(anchor, concurrency, rate: 0, seconds, verify: false);
        var used = AnchorCpu.Take(anchor) - before;
        return (traffic.AcknowledgedPerSecond,
            $"{traffic.AcknowledgedPerSecond,7:F0}/s, {traffic.Latency}{traffic.Unacknowledged}; {used.PerPush(name, traffic.PushesSent, traffic.Seconds)}");
    }

    /// <summary>CPU of an anchor's process, of the bench's PostgreSQL server and of the load generator, as <see cref="CpuSample"/> for CallGrains.</summary>
    private sealed record AnchorCpu(TimeSpan Anchor, TimeSpan Postgres, TimeSpan LoadGenerator)
    {
        public static AnchorCpu Take(AnchorProcess anchor) => new(
            Deployment.CpuTime(anchor.Process.Id), Deployment.PostgresCpuTime(), System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime);

        public static AnchorCpu operator -(AnchorCpu after, AnchorCpu before) =>
            new(after.Anchor - before.Anchor, after.Postgres - before.Postgres, after.LoadGenerator - before.LoadGenerator);

        public string PerPush(string name, long pushes, double seconds)
        {
            string Us(TimeSpan t) => (t.TotalMilliseconds * 1000 / Math.Max(pushes, 1)).ToString("F0", CultureInfo.InvariantCulture);
            var total = Anchor + Postgres + LoadGenerator;
            return $"CPU µs per push: {name} {Us(Anchor)}, PostgreSQL {Us(Postgres)}, load generator {Us(LoadGenerator)} " +
                   $"(machine busy {total.TotalSeconds / seconds / Environment.ProcessorCount:P0} of {Environment.ProcessorCount} cores)";
        }
    }
}
