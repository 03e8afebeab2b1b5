using CallGrains.PushSimulator;
using CallGrains.Tests.Shared;
using Xunit.Abstractions;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// "Acknowledged means committed", checked the hard way: real processes on real PostgreSQL, killed with
/// SIGKILL under load, and every acknowledged push looked for afterwards. The nodes are behind a load balancer that
/// sends each request to the next node in turn, to the other one when a node does not connect, and a push that a node
/// took and never answered to the other one too (as deploy/nginx/nginx.conf does). While a cluster has a live silo, a
/// killed one costs no status push: a push whose grain lived on it is journaled by the node that received it (pending)
/// and acknowledged, and the call's grain folds it where it activates next.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KillTests(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_acknowledged_push_survives_the_service_being_killed_and_restarted()
    {
        await using var cluster = await ClusterTopology.StartNodesAsync(postgres, nodes: 1);
        using var http = cluster.Client(16);
        var run = new TrafficRun(Load(calls: 4000, seed: 11), http);

        var traffic = run.RunAsync(CancellationToken.None);
        await WaitForAcknowledgementsAsync(run, 1500);
        cluster.Silos[0]!.Kill();
        var figures = await traffic;

        cluster.StartSilo(0);
        await cluster.WaitUntilReadyAsync();
        var verification = await new Verifier(http, 8).VerifyAsync(run.Calls, CancellationToken.None);

        Report("kill and restart", figures, verification);
        Assert.True(figures.PushesAcknowledged > 0);
        Assert.True(figures.PushesAcknowledged < figures.PushesSent, "the kill should have cut the load short");
        Assert.Equal(0, verification.MissingItems);
        Assert.Equal(0, verification.WrongOutcome);
        Assert.Equal(0, verification.NotFinal);
    }

    [Fact]
    public async Task Two_nodes_keep_serving_through_the_other_when_one_is_killed_and_lose_no_acknowledged_push()
    {
        await using var cluster = await ClusterTopology.StartNodesAsync(postgres, nodes: 2);
        await KeepsServingWhenTheSecondSiloIsKilledAsync(cluster, seed: 23, "one of two nodes killed");
    }

    [Fact]
    public async Task A_separate_api_tier_keeps_serving_when_one_of_two_silos_is_killed_and_loses_no_acknowledged_push()
    {
        await using var cluster = await ClusterTopology.StartApiTierAsync(postgres, silos: 2);
        await KeepsServingWhenTheSecondSiloIsKilledAsync(cluster, seed: 29, "API tier, one of two silos killed");
    }

    [Fact]
    public async Task No_acknowledged_change_is_lost_to_a_webhook_when_a_node_is_killed_mid_delivery_and_started_again()
    {
        // The receiver is on loopback, which a subscription may only target when private targets are allowed.
        await using var cluster = await ClusterTopology.StartNodesAsync(postgres, nodes: 2,
            new Dictionary<string, string> { ["CallGrains__Webhooks__AllowPrivateTargets"] = "true" });
        using var http = cluster.Client(16);
        using var receiver = new ChangeReceiver();
        using (var subscribed = await http.PostAsync("/v1/subscriptions", new StringContent(
                   $$"""{"url":"{{receiver.Url}}"}""", System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(System.Net.HttpStatusCode.Created, subscribed.StatusCode);
        var run = new TrafficRun(Load(calls: 1500, seed: 31), http);

        var traffic = run.RunAsync(CancellationToken.None);
        await WaitForAcknowledgementsAsync(run, 800);
        cluster.Silos[1]!.Kill();
        var figures = await traffic;
        // It rejoins while the subscription is still working through the backlog (a silo starting under full load
        // on this shared machine can take longer than the readiness wait).
        cluster.StartSilo(1);
        await cluster.WaitUntilReadyAsync();
        var verification = await new Verifier(http, 8).VerifyAsync(run.Calls, CancellationToken.None);

        var feed = await FeedAsync(http);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (feed.Except(receiver.Received).Any() && DateTime.UtcNow < deadline) await Task.Delay(500);
        var missing = feed.Except(receiver.Received).ToList();
        Report("webhook: one of two nodes killed, then started again", figures, verification);
        output.WriteLine($"webhook: {feed.Count} changes in the feed, {receiver.Received.Count} delivered, {missing.Count} missing, " +
                         $"{receiver.Deliveries} deliveries (retries included)");

        Assert.Equal(0, NotAcknowledged(figures.StatusPushCodes));
        Assert.Equal(0, verification.MissingItems);
        Assert.Empty(missing);
        Assert.True(receiver.InVersionOrderPerSession, "a session's changes arrived out of version order");
    }

    private async Task KeepsServingWhenTheSecondSiloIsKilledAsync(ClusterTopology cluster, int seed, string scenario)
    {
        using var http = cluster.Client(16);
        var run = new TrafficRun(Load(calls: 3000, seed), http);

        var traffic = run.RunAsync(CancellationToken.None);
        await WaitForAcknowledgementsAsync(run, 1500);
        cluster.Silos[1]!.Kill();
        var figures = await traffic;
        var verification = await new Verifier(http, 8).VerifyAsync(run.Calls, CancellationToken.None);

        Report(scenario, figures, verification);
        Assert.False(cluster.Silos[0]!.HasExited);
        Assert.True(run.Calls.Count(c => c.CdrAcknowledged) > run.Calls.Count / 2, "service should have continued after the kill");
        // The platform never re-sends a status push: every one must have been answered 200.
        Assert.Equal(0, NotAcknowledged(figures.StatusPushCodes));
        Assert.Equal(0, verification.MissingItems);
        Assert.Equal(0, verification.WrongOutcome);
        Assert.Equal(0, verification.NotFinal);
    }

    /// <summary>Every (session, version) in the change feed, paged to its end.</summary>
    private static async Task<HashSet<(string, int)>> FeedAsync(HttpClient http)
    {
        var changes = new HashSet<(string, int)>();
        long after = 0;
        while (true)
        {
            using var page = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/v1/changes?after={after}&limit=500"));
            var items = page.RootElement.GetProperty("items");
            if (items.GetArrayLength() == 0) return changes;
            foreach (var change in items.EnumerateArray())
                changes.Add((change.GetProperty("sessionId").GetString()!, change.GetProperty("version").GetInt32()));
            after = page.RootElement.GetProperty("next").GetInt64();
        }
    }

    private static SimulatorOptions Load(int calls, int seed) => new()
    {
        Calls = calls,
        Concurrency = 16,
        Seed = seed,
        LateCdr = 0,
        CdrRetries = 3,
        CdrRetryDelayMs = 2000,
    };

    private static async Task WaitForAcknowledgementsAsync(TrafficRun run, int count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (run.Acknowledged < count && DateTime.UtcNow < deadline) await Task.Delay(50);
    }

    /// <summary>Pushes answered with anything but 200, or not answered at all (code 0).</summary>
    private static int NotAcknowledged(IReadOnlyDictionary<int, int> codes) => codes.Where(p => p.Key != 200).Sum(p => p.Value);

    private void Report(string scenario, TrafficFigures figures, VerificationFigures verification)
    {
        // The figures the issue asks for, per fault: status pushes refused (answered, not 200) and never answered, and
        // acknowledged items missing afterwards; fee pushes (re-sent by the platform) beside them.
        int Count(IReadOnlyDictionary<int, int> codes, Func<int, bool> which) => codes.Where(p => which(p.Key)).Sum(p => p.Value);
        var fees = figures.StatusCodes.ToDictionary(p => p.Key, p => p.Value - figures.StatusPushCodes.GetValueOrDefault(p.Key));
        output.WriteLine($"{scenario}: status pushes refused {Count(figures.StatusPushCodes, c => c is not (200 or 0))}, " +
                         $"unanswered {Count(figures.StatusPushCodes, c => c == 0)}; fee pushes refused {Count(fees, c => c is not (200 or 0))}, " +
                         $"unanswered {Count(fees, c => c == 0)}; acknowledged items missing {verification.MissingItems}");
        output.WriteLine($"{scenario}: pushes sent {figures.PushesSent}, acknowledged {figures.PushesAcknowledged}; " +
                         $"calls checked {verification.CallsChecked}, acknowledged items {verification.AcknowledgedItems}, " +
                         $"found {verification.FoundItems}, missing {verification.MissingItems}, not final {verification.NotFinal}, " +
                         $"wrong outcome {verification.WrongOutcome}; " +
                         $"responses {string.Join(", ", figures.StatusCodes.Select(p => $"{p.Key}: {p.Value}"))}");
        foreach (var example in verification.Examples) output.WriteLine("  " + example);
    }
}
