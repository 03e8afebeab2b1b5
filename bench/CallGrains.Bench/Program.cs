using System.Globalization;
using System.Net;
using System.Text;
using CallGrains.Bench;
using CallGrains.PushSimulator;
using CallGrains.Tests.Shared;
using Npgsql;

// CallGrains' benchmark: everything in one run on this machine, the baseline (pgbench) included, so that
// ratios compare like with like. `bench/run` builds and runs it; `--sweep` adds the group-commit sweep;
// `--feed-only` runs only what the change-feed steps need (ingest without readers, then with them, and lag);
// `--anchors-only` only the HTTP ceiling and the plain receiver; `--write-path` profiles PostgreSQL's statements on
// the durable ingest path (see WritePath); `--memory-only` only measures memory per active call (d); `--postgres-only`
// only step (c), one node's maximum and its latency at half; `--embedded-only` only step (b) (both for comparing builds
// or settings).
var sweep = args.Contains("--sweep");
var feedOnly = args.Contains("--feed-only");
var anchorsOnly = args.Contains("--anchors-only");
var writePath = args.Contains("--write-path");
var memoryOnly = args.Contains("--memory-only");
var twoNodesOnly = args.Contains("--two-nodes-only");
var postgresOnly = args.Contains("--postgres-only");
var embeddedOnly = args.Contains("--embedded-only");
// A run that measures one deployment alone (to compare builds or settings) skips the baselines, which only its ratios need,
// and the change-feed steps.
var oneStepOnly = postgresOnly || embeddedOnly;
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(15);
var activeCalls = args.SkipWhile(a => a != "--active-calls").Skip(1).Select(int.Parse).FirstOrDefault(100_000);
// A process measured after a few seconds of load is still cold (tier-1 JIT, pools, GC sizing): on 2 busy cores its rate
// nearly tripled between 5 s and 40 s of load, so every deployment gets this much load before its first measurement.
var warmUp = args.SkipWhile(a => a != "--warm-up").Skip(1).Select(int.Parse).FirstOrDefault(30);
var report = new Report();
var targets = new Targets();
foreach (var setting in args.Zip(args.Skip(1)).Where(p => p.First == "--setting").Select(p => p.Second.Split('=', 2)))
{
    Deployment.BenchSettings[setting[0]] = setting[1];
    Console.WriteLine($"Experiment: every CallGrains process runs with {setting[0]}={setting[1]}");
}

if (writePath) Environment.SetEnvironmentVariable("CALLGRAINS_PG_SERVER_OPTIONS", WritePath.ServerOptions);
await using var postgres = new PostgresServer();
await postgres.InitializeAsync();
Console.WriteLine($"PostgreSQL: throwaway server from {postgres.Binaries} (fsync on, synchronous_commit on)");

// Each measurement gets a database of its own on a server with nothing left to write from the steps before it: the
// checkpoint their writes made due would otherwise fall in whichever step came next (the two nodes, last but one).
async Task<string> SettledDatabaseAsync()
{
    await postgres.CheckpointAsync();
    return await postgres.CreateDatabaseAsync();
}
await using (var connection = new NpgsqlConnection(await SettledDatabaseAsync()))
{
    await connection.OpenAsync();
    Deployment.PostmasterId = Deployment.ParentOf(connection.ProcessID);
}
if (writePath)
{
    await WritePath.RunAsync(await SettledDatabaseAsync(), warmUp, seconds);
    return 0;
}
if (twoNodesOnly)
{
    // For comparing builds: only step (f), printed with its steps; no ratio (one node is not measured).
    var two = await TwoNodes.RunAsync(await SettledDatabaseAsync(), warmUp, seconds);
    Console.WriteLine($"  two co-hosted nodes, max sustained: {two.Rate:F0}/s ({two.Concurrency} in flight), missing {two.Missing}");
    return 0;
}
if (memoryOnly)
{
    await using var node = await Deployment.OnPostgresAsync(await SettledDatabaseAsync());
    var (idle, loaded) = await Memory.MeasureAsync(node, activeCalls);
    Console.WriteLine($"  memory per active call (node RSS, {activeCalls:N0} calls in progress minus idle): {Memory.Figure(idle, loaded, activeCalls)}");
    return 0;
}

// (a) the baseline
var baseline = double.NaN;
if (!feedOnly && !anchorsOnly && !oneStepOnly)
{
    var pgbench = await Pgbench.RunAsync(postgres.Binaries, await SettledDatabaseAsync(), [1, 8, 16, 32], seconds: 10);
    foreach (var run in pgbench)
        Console.WriteLine($"pgbench single-row upsert, {run.Clients,2} clients: {run.Tps,8:F0} tps; CPU µs per transaction: PostgreSQL {run.PostgresUs:F0}, pgbench {run.PgbenchUs:F0}");
    baseline = pgbench.Max(p => p.Tps);
    report.Add("pgbench durable single-row upserts (best of 1/8/16/32 clients)", $"{baseline:F0}/s", "baseline", "");
}

// (a') the anchors, each alone on the machine: the plain receiver at (c)'s in-flight counts and then at half its best
// rate, the HTTP ceiling at (b)'s in-flight count and then at the plain receiver's half rate
var ceiling = double.NaN;
var plainReceiver = (Rate: double.NaN, Concurrency: 0);
Percentiles? receiverAtHalf = null, ceilingAtThatRate = null;
if (!feedOnly && !oneStepOnly)
{
    var receiver = await Anchors.PlainReceiverAsync(await SettledDatabaseAsync(), Load.InFlightSteps, warmUp, seconds);
    (plainReceiver, receiverAtHalf) = ((receiver.Rate, receiver.Concurrency), receiver.AtHalf);
    report.Add($"plain receiver: ASP.NET Core + Npgsql, a transaction per push (best of {string.Join('/', Load.InFlightSteps)} in flight)",
        $"{plainReceiver.Rate:F0}/s ({plainReceiver.Concurrency} in flight)", "anchor", "not verifiable (no views)");
    report.Add($"plain receiver at half its maximum ({plainReceiver.Rate / 2:F0}/s offered; from scheduled send): p50 / p99",
        $"{receiver.AtHalf.P50:F1} / {receiver.AtHalf.P99:F1} ms", "anchor", "");
    (ceiling, ceilingAtThatRate) = await Anchors.HttpCeilingAsync(concurrency: 64, offered: plainReceiver.Rate / 2, warmUp, seconds);
    report.Add("HTTP ceiling: bare Kestrel, parse + ack (pushes/s acknowledged, 64 in flight)", $"{ceiling:F0}/s", "anchor", "");
    report.Add($"HTTP ceiling at the same offered rate ({plainReceiver.Rate / 2:F0}/s; from scheduled send): p50 / p99",
        $"{ceilingAtThatRate.P50:F1} / {ceilingAtThatRate.P99:F1} ms", "anchor", "");
}
if (anchorsOnly)
{
    Console.WriteLine();
    report.Print();
    return 0;
}

// (b) embedded
if (!postgresOnly)
{
    await using (var embedded = await Deployment.EmbeddedAsync())
    {
        await Load.RunAsync(embedded, concurrency: 64, rate: 0, warmUp, verify: false); // warm-up: JIT, tiering, pools
        var cpu = CpuSample.Take(embedded);
        var (run, node) = await embedded.WithNodeMetricsAsync(() => Load.RunAsync(embedded, concurrency: 64, rate: 0, seconds, verify: false));
        var used = CpuSample.Take(embedded) - cpu;
        run = (run.Traffic, await Load.VerifyAsync(embedded, run.Calls), run.Calls);
        Console.WriteLine($"  embedded, 64 in flight: {run.Traffic.AcknowledgedPerSecond,7:F0}/s, {run.Traffic.Latency}{run.Traffic.Unacknowledged}; " +
                          used.PerPush(run.Traffic.PushesSent, run.Traffic.Seconds) + "; " + Collector(node, run.Traffic));
        report.Add("embedded ingest (pushes/s acknowledged)", $"{run.Traffic.AcknowledgedPerSecond:F0}/s", "≥ 20,000/s",
            Pass(run.Traffic.AcknowledgedPerSecond >= 20_000) + $", missing {run.Verification!.MissingItems}");
        targets.Verified("embedded", run.Verification.MissingItems);
        if (!feedOnly)
            targets.RecordRatio(Target.EmbeddedVsHttpCeiling, $"{run.Traffic.AcknowledgedPerSecond:F0}/s against {ceiling:F0}/s (both 64 in flight)",
                run.Traffic.AcknowledgedPerSecond, ceiling, atLeast: 0.5);

        // (e) the change feed on the same process: webhook + SSE attached, then delivery lag at half the rate above
        if (!oneStepOnly) await FeedBench.RunAsync(embedded, "embedded", concurrency: 64, run.Traffic.AcknowledgedPerSecond, seconds, report);
    }
}
if (embeddedOnly) return 0; // the step's line is printed; its ratio needs the ceiling it skipped

// (c) PostgreSQL: the maximum sustained rate, then latency at half of it
double max;
Percentiles atMax;
await using (var cluster = await Deployment.OnPostgresAsync(await SettledDatabaseAsync()))
{
    await Load.RunAsync(cluster, concurrency: 64, rate: 0, warmUp, verify: false); // warm-up: JIT, pools, activations
    var best = (Rate: 0.0, Latency: new Percentiles(0, 0, 0, 0, 0), Concurrency: 0, Missing: 0L);
    foreach (var concurrency in feedOnly ? [128] : Load.InFlightSteps)
    {
        var cpu = CpuSample.Take(cluster);
        var (run, node) = await cluster.WithNodeMetricsAsync(() => Load.RunAsync(cluster, concurrency, rate: 0, seconds, verify: false));
        var used = CpuSample.Take(cluster) - cpu;
        var verification = await Load.VerifyAsync(cluster, run.Calls);
        run = (run.Traffic, verification, run.Calls);
        Console.WriteLine($"  PostgreSQL unthrottled, {concurrency,3} in flight: {run.Traffic.AcknowledgedPerSecond,7:F0}/s, " +
                          $"{run.Traffic.Latency}{run.Traffic.Unacknowledged}, missing {run.Verification!.MissingItems}; " +
                          used.PerPush(run.Traffic.PushesSent, run.Traffic.Seconds) + "; " + Collector(node, run.Traffic));
        targets.Verified($"PostgreSQL {concurrency} in flight", run.Verification.MissingItems);
        if (run.Traffic.AcknowledgedPerSecond > best.Rate)
            best = (run.Traffic.AcknowledgedPerSecond, run.Traffic.LatencyMs, concurrency, run.Verification.MissingItems);
    }
    (max, atMax) = (best.Rate, best.Latency);
    if (!feedOnly)
    {
        report.Add("PostgreSQL durable ingest, max sustained (pushes/s)", $"{max:F0}/s ({best.Concurrency} in flight)",
            "≥ 1.0 × pgbench", $"{max / baseline:F2} × pgbench, " + Pass(max >= baseline) + $", missing {best.Missing}");
        report.Add("ack latency at max (closed loop, from send): p50 / p99", $"{atMax.P50:F1} / {atMax.P99:F1} ms", "", "");
        var figure = $"{max:F0}/s ({best.Concurrency} in flight) against ";
        targets.RecordRatio(Target.PostgresVsPgbench, figure + $"{baseline:F0}/s", max, baseline, atLeast: 1.0);
        targets.RecordRatio(Target.PostgresVsPlainReceiver, figure + $"{plainReceiver.Rate:F0}/s ({plainReceiver.Concurrency} in flight)",
            max, plainReceiver.Rate, atLeast: 5.0);

        // The generator runs in this process: its own collector's pauses hold sends and answers, and count as latency.
        var generatorBefore = GeneratorCollector.Take();
        var (half, nodeAtHalf) = await cluster.WithNodeMetricsAsync(() => Load.RunAsync(cluster, concurrency: Load.PacedSenders, rate: max / 2, seconds, verify: false));
        var generator = GeneratorCollector.Take() - generatorBefore;
        half = (half.Traffic, await Load.VerifyAsync(cluster, half.Calls), half.Calls);
        Console.WriteLine($"  PostgreSQL at half, {Load.PacedSenders} in flight: {half.Traffic.AcknowledgedPerSecond,7:F0}/s acknowledged, {half.Traffic.Latency}{half.Traffic.Unacknowledged}, " +
                          $"missing {half.Verification!.MissingItems}; " +
                          Collector(nodeAtHalf, half.Traffic) +
                          $"; the load generator's collector {generator.Describe(half.Traffic.PushesSent)}");
        Console.WriteLine(NodeFigures(nodeAtHalf, half.Traffic.Seconds));
        report.Add($"ack latency at half ({max / 2:F0}/s offered, {half.Traffic.AcknowledgedPerSecond:F0}/s acknowledged; from scheduled send): p50 / p99",
            $"{half.Traffic.LatencyMs.P50:F1} / {half.Traffic.LatencyMs.P99:F1} ms", "p99 ≤ 25 ms",
            Pass(half.Traffic.LatencyMs.P99 <= 25) + $", missing {half.Verification.MissingItems}");
        targets.Verified("PostgreSQL at half", half.Verification.MissingItems);
        // The anchors at the same kind of rate put the p99 in proportion: what the straightforward durable app gets at half
        // its own maximum, and what the generator and bare HTTP alone add.
        var anchorsAtHalf = receiverAtHalf is not null && ceilingAtThatRate is not null
            ? $"; anchors from scheduled send: the plain receiver at half its maximum p99 {receiverAtHalf.P99:F1} ms, the HTTP ceiling at that rate p99 {ceilingAtThatRate.P99:F1} ms"
            : "";
        targets.Record(Target.LatencyAtHalf, $"p99 {half.Traffic.LatencyMs.P99:F1} ms (p50 {half.Traffic.LatencyMs.P50:F1} ms); {half.Traffic.Schedule}{anchorsAtHalf}",
            "", half.Traffic.LatencyMs.P99 <= 25);
    }

    // (e) the change feed on the same cluster, at the concurrency that gave the maximum
    if (!oneStepOnly) await FeedBench.RunAsync(cluster, "PostgreSQL", best.Concurrency, max, seconds, report);
}
if (postgresOnly) return 0; // the step's lines are printed; its ratios need the baselines it skipped

// (f) two co-hosted nodes on this machine, requests in turn to each as a load balancer sends them: not slower than one
if (!feedOnly)
{
    var two = await TwoNodes.RunAsync(await SettledDatabaseAsync(), warmUp, seconds);
    report.Add("two co-hosted nodes on one machine, max sustained (pushes/s, requests in turn to each)", $"{two.Rate:F0}/s ({two.Concurrency} in flight)",
        "≥ 1.0 × one node", $"{two.Rate / max:F2} × one node, " + Pass(two.Rate >= max) + $", missing {two.Missing}");
    targets.RecordRatio(Target.TwoNodesVsOne, $"{two.Rate:F0}/s ({two.Concurrency} in flight) against one node's {max:F0}/s", two.Rate, max, atLeast: 1.0);
    targets.Verified("two nodes", two.Missing);
}

// (d) memory per active call, on a fresh node (journal in PostgreSQL, so only the grains and the API are in its memory)
if (!feedOnly)
{
    await using (var cluster = await Deployment.OnPostgresAsync(await SettledDatabaseAsync()))
    {
        var (idle, loaded) = await Memory.MeasureAsync(cluster, activeCalls);
        var perCall = (loaded - idle) / (double)activeCalls;
        report.Add($"memory per active call (node RSS, {activeCalls:N0} calls in progress minus idle)",
            Memory.Figure(idle, loaded, activeCalls), "≤ 4 KiB", Pass(perCall <= 4096));
        targets.Record(Target.MemoryPerCall, $"{perCall / 1024:F2} KiB at {activeCalls:N0} calls", "", perCall <= 4096);
    }
}

if (sweep)
{
    Console.WriteLine("\nGroup-commit sweep (PostgreSQL, unthrottled, 64 in flight):");
    foreach (var (batch, linger, writers) in new[] { (512, 0, 4), (512, 0, 1), (512, 0, 2), (512, 0, 8), (512, 1, 4), (512, 3, 4), (64, 0, 4), (2048, 0, 4) })
    {
        await using var cluster = await Deployment.OnPostgresAsync(await SettledDatabaseAsync(), new Dictionary<string, string>
        {
            ["CallGrains__GroupCommit__MaxBatch"] = batch.ToString(CultureInfo.InvariantCulture),
            ["CallGrains__GroupCommit__LingerMs"] = linger.ToString(CultureInfo.InvariantCulture),
            ["CallGrains__GroupCommit__Writers"] = writers.ToString(CultureInfo.InvariantCulture),
        });
        await Load.RunAsync(cluster, concurrency: 32, rate: 0, seconds: 3, verify: false);
        var run = await Load.RunAsync(cluster, concurrency: 64, rate: 0, seconds, verify: false);
        Console.WriteLine($"  MaxBatch {batch,4}, LingerMs {linger}, Writers {writers}: {run.Traffic.AcknowledgedPerSecond,7:F0}/s, {run.Traffic.Latency}{run.Traffic.Unacknowledged}");
    }
}

Console.WriteLine();
report.Print();
if (!feedOnly) Console.WriteLine($"\nratio (c)/(a): {max / baseline:F2}");
Console.WriteLine();
targets.Print();
return 0;

static string Pass(bool met) => met ? "met" : "NOT met";

// The nodes' collectors stop them; a pause of a few hundred milliseconds is in every acknowledgement waiting then.
// Where the latency is: the node's own acknowledgement times (from arrival, so without the load generator's share) and
// its group commits, from the histograms it exports; a quantile is known to its bucket's upper bound only.
static string NodeFigures(NodeMetrics step, double seconds)
{
    var acks = step.Histogram("callgrains_push_ack_duration_seconds");
    var commits = step.Histogram("callgrains_journal_commit_duration_seconds");
    var batches = step.Histogram("callgrains_journal_batch_size");
    return string.Create(CultureInfo.InvariantCulture,
        $"    the node's own figures (its /metrics): {acks.ShareAtMost(0.025):P1} of {acks.Count:F0} pushes acknowledged within 25 ms " +
        $"of arrival, p99 ≤ {acks.AtMost(0.99) * 1000:G4} ms, max ≤ {acks.AtMost(1) * 1000:G4} ms; {commits.Count / seconds:F0} group commits/s of {batches.Mean:F1} appends, " +
        $"p50 ≤ {commits.AtMost(0.5) * 1000:G4} ms, p99 ≤ {commits.AtMost(0.99) * 1000:G4} ms, max ≤ {commits.AtMost(1) * 1000:G4} ms; " +
        $"commits in flight {commits.Sum / seconds:P0} of the step");
}

// Allocation per push is the steadiest figure of the hot path's cost: unlike a rate, it barely moves with the host's noise.
static string Collector(NodeMetrics step, TrafficFigures traffic) =>
    string.Create(CultureInfo.InvariantCulture,
        $"GC paused the node {step.GcPaused.TotalSeconds / traffic.Seconds:P1} of the step ({step.GcPaused.TotalMilliseconds:F0} ms), " +
        $"it allocated {step.Allocated / traffic.PushesSent / 1024:F1} KiB per push");

namespace CallGrains.Bench
{
    /// <summary>One simulator run against a deployment, with its verification.</summary>
    public static class Load
    {
        /// <summary>
        /// The in-flight counts a maximum is the best of, for one node, two nodes and the plain receiver alike. Two nodes
        /// still gained from 128 to 256 (5,609 to 5,958/s, 2026-11-30) where one node had levelled off (6,597 and 6,477/s):
        /// each node sees half of them, so stopping at 128 measured two nodes below their maximum.
        /// </summary>
        public static readonly int[] InFlightSteps = [32, 64, 128, 256];

        /// <summary>The senders of a step at a fixed rate: CallGrains' half step and the anchors measured beside it.</summary>
        public const int PacedSenders = 128;

        public static async Task<(TrafficFigures Traffic, VerificationFigures? Verification, IReadOnlyList<CallLedger> Calls)> RunAsync(
            ILoadTarget deployment, int concurrency, double rate, int seconds, bool verify)
        {
            using var http = deployment.Client(concurrency);
            var run = new TrafficRun(new SimulatorOptions
            {
                Calls = 0, DurationSeconds = seconds, Rate = rate, Concurrency = concurrency, Seed = Environment.TickCount, LateCdr = 0.05,
            }, http);
            var traffic = await run.RunAsync(CancellationToken.None);
            var verification = verify ? await VerifyAsync(deployment, run.Calls) : null;
            return (traffic, verification, run.Calls);
        }

        public static async Task<VerificationFigures> VerifyAsync(ILoadTarget deployment, IReadOnlyList<CallLedger> calls)
        {
            using var http = deployment.Client(16);
            return await new Verifier(http, 16).VerifyAsync(calls, CancellationToken.None);
        }
    }

    /// <summary>This process's collector (the load generator runs in it): its pauses hold sends and answers alike.</summary>
    public sealed record GeneratorCollector(TimeSpan Paused, int Gen0, int Gen1, int Gen2, long Allocated)
    {
        public static GeneratorCollector Take() => new(GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1),
            GC.CollectionCount(2), GC.GetTotalAllocatedBytes());

        public static GeneratorCollector operator -(GeneratorCollector after, GeneratorCollector before) => new(
            after.Paused - before.Paused, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2,
            after.Allocated - before.Allocated);

        // CollectionCount(0) counts every collection (a gen1 collects gen0 too): the gen0-only ones are the difference.
        public string Describe(long pushes) => string.Create(CultureInfo.InvariantCulture,
            $"paused it {Paused.TotalMilliseconds:F0} ms ({Gen0 - Gen1} gen0, {Gen1 - Gen2} gen1, {Gen2} gen2 collections; " +
            $"it allocated {Allocated / (double)Math.Max(pushes, 1) / 1024:F1} KiB per push)");
    }

    /// <summary>CPU used by each part of the machine's load: where a push's cost goes. A node is API and silo in one process.</summary>
    public sealed record CpuSample(TimeSpan Nodes, int NodeCount, TimeSpan Postgres, TimeSpan LoadGenerator)
    {
        public static CpuSample Take(Deployment deployment) => new(
            deployment.Nodes.Aggregate(TimeSpan.Zero, (sum, node) => sum + Deployment.CpuTime(node.Id)),
            deployment.Nodes.Count,
            Deployment.PostgresCpuTime(),
            System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime);

        public static CpuSample operator -(CpuSample after, CpuSample before) => new(
            after.Nodes - before.Nodes, after.NodeCount, after.Postgres - before.Postgres, after.LoadGenerator - before.LoadGenerator);

        public string PerPush(long pushes, double seconds) => Per("push", pushes, seconds);

        /// <summary>CPU per unit of work; the bench's own receivers (webhook, SSE) count as load generator.</summary>
        public string Per(string unit, long count, double seconds)
        {
            string Us(TimeSpan t) => (t.TotalMilliseconds * 1000 / count).ToString("F0", CultureInfo.InvariantCulture);
            var total = Nodes + Postgres + LoadGenerator;
            var busy = $"(machine busy {total.TotalSeconds / seconds / Environment.ProcessorCount:P0} of {Environment.ProcessorCount} cores)";
            if (count == 0) return $"no {unit} to divide CPU by {busy}";
            var nodes = NodeCount == 1 ? "node" : $"{NodeCount} nodes together";
            return $"CPU µs per {unit}: {nodes} {Us(Nodes)}, PostgreSQL {Us(Postgres)}, load generator {Us(LoadGenerator)} {busy}";
        }
    }

    /// <summary>A node's memory with no calls, then with many calls dialled and ringing (two pushes each, never ended).</summary>
    public static class Memory
    {
        public static async Task<(long Idle, long Loaded)> MeasureAsync(Deployment deployment, int calls)
        {
            var node = deployment.Nodes[0];
            using var http = deployment.Client(64);
            await SendAsync(http, Calls(1000, "warm"), 64); // JIT and pools, so that idle is a running node, not a cold one
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idle = Deployment.ResidentBytes(node);
            await SendAsync(http, Calls(calls, "active"), 64);
            await Task.Delay(TimeSpan.FromSeconds(10));
            return (idle, Deployment.ResidentBytes(node));
        }

        /// <summary>Memory per call and what it came from, as the report prints it.</summary>
        public static string Figure(long idle, long loaded, int calls) => string.Create(CultureInfo.InvariantCulture,
            $"{(loaded - idle) / (double)calls / 1024:F2} KiB ({(loaded - idle) / 1048576.0:F0} MiB above {idle / 1048576.0:F0} MiB idle)");

        private static IEnumerable<string> Calls(int count, string tag)
        {
            var random = new Random(7);
            var runId = tag + "-" + Guid.NewGuid().ToString("N")[..8];
            var start = DateTime.UtcNow.AddMinutes(-5);
            for (var i = 0; i < count; i++)
            {
                var call = SimulatedCall.Create(i, Scenario.CallbackConnected, start, runId, random);
                foreach (var push in call.StatusPushes.Take(2)) yield return push;
            }
        }

        private static async Task SendAsync(HttpClient http, IEnumerable<string> pushes, int concurrency)
        {
            var failures = 0;
            await Parallel.ForEachAsync(pushes, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (push, ct) =>
            {
                using var content = new StringContent(push, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("v1/huawei/status", content, ct);
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref failures);
            });
            if (failures > 0) throw new InvalidOperationException($"{failures} pushes were not acknowledged while loading calls");
        }
    }

    public sealed class Report
    {
        private readonly List<(string Metric, string Value, string Target, string Verdict)> _rows = [];

        public void Add(string metric, string value, string target, string verdict) => _rows.Add((metric, value, target, verdict));

        public void Print()
        {
            Console.WriteLine("| Metric | Value | Target | Verdict |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var (metric, value, target, verdict) in _rows) Console.WriteLine($"| {metric} | {value} | {target} | {verdict} |");
        }
    }
}
