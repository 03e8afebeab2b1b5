using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CallGrains.PushSimulator;
using CallGrains.Tests.Shared;
using Xunit.Abstractions;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// Issue 15's second promise, the hard way: a node (a real process) with a push spool on real PostgreSQL, and the
/// database server really stopped under simulator load. A push the store cannot commit is fsynced to the node's spool
/// and acknowledged; the spool drains when the database is back (also after the node was killed with SIGKILL); readers
/// then see every call as if nothing had happened (<see cref="AsIfNothingHappened"/>). Only a full spool refuses,
/// with 503 and Retry-After, and then nothing of the refused push is kept anywhere.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseOutageTests(PostgresServer postgres, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    // Generous on a shared two-core machine; what it took is printed.
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(120);

    private readonly string _spool = Directory.CreateTempSubdirectory("callgrains-spool-test-").FullName;

    public void Dispose() => Directory.Delete(_spool, recursive: true);

    [Fact]
    public async Task A_thirty_second_database_outage_under_load_refuses_no_push_and_loses_none()
    {
        await using var cluster = await ClusterTopology.StartNodesAsync(postgres, nodes: 1, SpoolSettings());
        using var http = cluster.Client(16);
        var run = new TrafficRun(Load(seconds: 50, seed: 41), http);

        var traffic = run.RunAsync(CancellationToken.None);
        await Polling.UntilAsync(() => run.Acknowledged >= 300, TimeSpan.FromMinutes(2), "300 pushes acknowledged");
        // A call read once before the outage: its grain, and the request grain its view shows, are in memory.
        var active = $"v1/calls/{Uri.EscapeDataString(run.Calls.First(c => c.AcknowledgedItems.Any()).Call.SessionId)}";
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(active)).StatusCode);
        string readyDuring, behindDuring;
        long acknowledgedDuring;
        await postgres.StopAsync();
        var down = Stopwatch.StartNew();
        try
        {
            var before = run.Acknowledged;
            readyDuring = await WaitForReadinessAsync(http, "degraded");
            behindDuring = await DataBehindAsync(http, active);
            await Task.Delay(Outage - down.Elapsed);
            acknowledgedDuring = run.Acknowledged - before;
        }
        finally
        {
            await postgres.StartAsync();
        }
        var drain = Stopwatch.StartNew();
        await WaitForReadinessAsync(http, "ready", DrainBound, cluster);
        var drained = drain.Elapsed;

        var figures = await traffic.WaitAsync(TimeSpan.FromMinutes(5));
        await WaitForReadinessAsync(http, "ready", DrainBound);
        var (verification, differences) = await VerifyAsync(http, run);

        var refused = Refused(figures);
        output.WriteLine($"database stopped for {Outage.TotalSeconds:0} s under load: pushes sent {figures.PushesSent}, acknowledged " +
                         $"{figures.PushesAcknowledged} ({acknowledgedDuring} while it was down), refused {refused}; " +
                         $"answers {string.Join(", ", figures.StatusCodes.Select(p => $"{p.Key}: {p.Value}"))}");
        output.WriteLine($"while down: readiness {readyDuring}, reads said {DataBehindNotice}: {behindDuring}; " +
                         $"spool drained {drained.TotalSeconds:F1} s after the database was started again");
        Report(verification, differences);

        Assert.True(acknowledgedDuring > 0, "pushes should have been acknowledged while the database was down");
        Assert.Equal(0, refused);
        Assert.Equal("degraded: spooling", readyDuring);
        Assert.Equal("spooling", behindDuring);
        Assert.True(drained < DrainBound, $"drained in {drained.TotalSeconds:F1} s");
        Assert.Equal(0, verification.MissingItems);
        Assert.Equal(0, verification.NotFinal);
        Assert.Equal(0, verification.WrongOutcome);
        Assert.True(differences.None, differences.ToString());
    }

    [Fact]
    public async Task A_node_killed_while_its_spool_holds_pushes_drains_them_after_a_restart_and_loses_none()
    {
        await using var cluster = await ClusterTopology.StartNodesAsync(postgres, nodes: 1, SpoolSettings());
        using var http = cluster.Client(16);
        var run = new TrafficRun(Load(seconds: 20, seed: 43), http);

        var traffic = run.RunAsync(CancellationToken.None);
        await Polling.UntilAsync(() => run.Acknowledged >= 300, TimeSpan.FromMinutes(2), "300 pushes acknowledged");
        TrafficFigures figures;
        long acknowledgedDuring;
        await postgres.StopAsync();
        try
        {
            var before = run.Acknowledged;
            // The rest of the traffic goes to the spool; then the node dies with it undrained.
            figures = await traffic.WaitAsync(TimeSpan.FromMinutes(3));
            acknowledgedDuring = run.Acknowledged - before;
            Assert.Equal("degraded: spooling", await WaitForReadinessAsync(http, "degraded"));
            cluster.Silos[0]!.Kill();
        }
        finally
        {
            await postgres.StartAsync();
        }
        var restart = Stopwatch.StartNew();
        cluster.StartSilo(0);
        await cluster.WaitUntilReadyAsync();
        await WaitForReadinessAsync(http, "ready", DrainBound, cluster);
        var drained = restart.Elapsed;
        var (verification, differences) = await VerifyAsync(http, run);

        var refused = Refused(figures);
        output.WriteLine($"database stopped, node killed with {acknowledgedDuring} pushes acknowledged from its spool: pushes sent " +
                         $"{figures.PushesSent}, acknowledged {figures.PushesAcknowledged}, refused {refused}; restarted node " +
                         $"ready and drained {drained.TotalSeconds:F1} s after it was started");
        Report(verification, differences);

        Assert.True(acknowledgedDuring > 0, "pushes should have been spooled before the kill");
        Assert.Contains("not yet in the store", cluster.Silos[0]!.Output, StringComparison.Ordinal);
        Assert.Equal(0, refused);
        Assert.True(drained < DrainBound, $"drained in {drained.TotalSeconds:F1} s");
        Assert.Equal(0, verification.MissingItems);
        Assert.Equal(0, verification.NotFinal);
        Assert.Equal(0, verification.WrongOutcome);
        Assert.True(differences.None, differences.ToString());
    }

    [Fact]
    public async Task A_full_spool_refuses_a_push_whole_with_503_and_Retry_After_and_keeps_nothing_of_it()
    {
        await using var cluster = await ClusterTopology.StartNodesAsync(postgres, nodes: 1, SpoolSettings(
            ("CallGrains__Spool__MaxBytes", "65536"), ("CallGrains__Spool__SegmentBytes", "16384")));
        using var http = cluster.Client(4);
        var random = new Random(47);
        var acknowledged = new List<string>();
        var refusedSessions = new List<string>();
        string readyWhenFull;
        await postgres.StopAsync();
        try
        {
            // Status pushes of new calls until the spool has no room for one more.
            HttpResponseMessage? refusal = null;
            for (var i = 0; refusal is null; i++)
            {
                Assert.True(i < 2000, "a 64 KiB spool should have been full long before");
                var call = Call(i, random);
                var response = await http.PostAsync("v1/huawei/status", Json(call.StatusPushes[0]));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged.Add(call.SessionId);
                    response.Dispose();
                }
                else
                {
                    refusal = response;
                }
            }
            using (refusal)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refusal.StatusCode);
                Assert.NotNull(refusal.Headers.RetryAfter);
                var problem = JsonNode.Parse(await refusal.Content.ReadAsStringAsync())!;
                Assert.Equal("storage", problem["unavailable"]?.GetValue<string>());
            }
            // A fee push of three calls' CDRs: the spool takes all of it or nothing.
            var calls = Enumerable.Range(5000, 3).Select(i => Call(i, random)).ToList();
            refusedSessions.AddRange(calls.Select(c => c.SessionId));
            using (var fee = await http.PostAsync("v1/huawei/fee", Json(
                       "{\"eventType\":\"fee\",\"feeLst\":[" + string.Join(',', calls.Select(c => c.Cdr.ToJsonString())) + "]}")))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, fee.StatusCode);
                Assert.NotNull(fee.Headers.RetryAfter);
            }
            readyWhenFull = await WaitForReadinessAsync(http, "not-ready");
        }
        finally
        {
            await postgres.StartAsync();
        }
        await WaitForReadinessAsync(http, "ready", DrainBound, cluster);

        var missing = 0;
        foreach (var session in acknowledged)
            if ((await http.GetAsync($"v1/calls/{Uri.EscapeDataString(session)}/events")).StatusCode != HttpStatusCode.OK) missing++;
        var kept = 0;
        foreach (var session in refusedSessions)
            if ((await http.GetAsync($"v1/calls/{Uri.EscapeDataString(session)}/events")).StatusCode != HttpStatusCode.NotFound) kept++;
        output.WriteLine($"spool of 64 KiB: {acknowledged.Count} status pushes acknowledged from it, then refused (503, Retry-After, " +
                         $"readiness {readyWhenFull}); after the drain: acknowledged missing {missing}, refused items kept {kept}");

        Assert.StartsWith("not-ready", readyWhenFull, StringComparison.Ordinal);
        Assert.Equal(0, missing);
        Assert.Equal(0, kept);
    }

    private const string DataBehindNotice = "CallGrains-Data-Behind";

    private Dictionary<string, string> SpoolSettings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["CallGrains__Spool__Directory"] = _spool };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    /// <summary>A fixed rate for a fixed time, so that the outage falls in the middle; CDRs are not retried, so every refusal counts.</summary>
    private static SimulatorOptions Load(int seconds, int seed) => new()
    {
        Calls = 0,
        DurationSeconds = seconds,
        Rate = 120,
        Concurrency = 16,
        Seed = seed,
        LateCdr = 0,
        CdrRetries = 0,
    };

    private static SimulatedCall Call(int index, Random random) =>
        SimulatedCall.Create(index, Scenario.VerificationConnected, DateTime.UtcNow.AddHours(-1), "spool-full-" + Guid.NewGuid().ToString("N")[..8], random);

    private static long Refused(TrafficFigures figures) => figures.StatusCodes.Where(p => p.Key != 200).Sum(p => (long)p.Value);

    private static async Task<(VerificationFigures, Differences)> VerifyAsync(HttpClient http, TrafficRun run)
    {
        var verification = await new Verifier(http, 8).VerifyAsync(run.Calls, CancellationToken.None);
        // Sessions are nudged to catch up after each drained batch: give the last nudges their time.
        var check = new AsIfNothingHappened(http);
        var differences = await check.CheckAsync(run.Calls);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!differences.None && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2000);
            differences = await check.CheckAsync(run.Calls);
        }
        return (verification, differences);
    }

    private void Report(VerificationFigures verification, Differences differences)
    {
        output.WriteLine($"verifier: calls {verification.CallsChecked}, acknowledged items {verification.AcknowledgedItems}, " +
                         $"missing {verification.MissingItems}, not final {verification.NotFinal}, wrong outcome {verification.WrongOutcome}" +
                         (verification.Examples.Count > 0 ? "; e.g. " + string.Join("; ", verification.Examples) : ""));
        output.WriteLine($"as if nothing happened: {differences}");
    }

    /// <summary>Polls /health/ready until its status is <paramref name="status"/>; returns "status: reason" as it answered.</summary>
    /// <param name="cluster">Whose output a timeout shows (the drainer's and the store's complaints are there).</param>
    private static async Task<string> WaitForReadinessAsync(HttpClient http, string status, TimeSpan? limit = null, ClusterTopology? cluster = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("health/ready");
                var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                var reason = answer["reason"]?.GetValue<string>();
                last = answer["status"]!.GetValue<string>() + (reason is null ? "" : ": " + reason);
                if (answer["status"]!.GetValue<string>() == status)
                {
                    var expectedCode = status == "not-ready" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
                    Assert.True(response.StatusCode == expectedCode, $"readiness {last} answered {(int)response.StatusCode}");
                    return last;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.GetType().Name;
            }
            await Task.Delay(250);
        }
        var log = string.Join('\n', (cluster?.Silos[0]?.Output ?? "").Split('\n').Where(line => !line.Contains("Health check", StringComparison.Ordinal)));
        throw new TimeoutException($"readiness never said {status}; last: {last}\nthe node's output ends:\n{log[Math.Max(0, log.Length - 6000)..]}");
    }

    /// <summary>What a view read from grain memory says about the data behind it (a list would need the database).</summary>
    private static async Task<string> DataBehindAsync(HttpClient http, string view)
    {
        using var response = await http.GetAsync(view);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues(DataBehindNotice, out var values) ? string.Join(",", values) : "(no header)";
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
