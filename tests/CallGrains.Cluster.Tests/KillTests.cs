using CallGrains.PushSimulator;
using CallGrains.Tests.Shared;
using Xunit.Abstractions;

namespace CallGrains.Cluster.Tests;

/// <summary>
/// "Acknowledged means committed", checked the hard way: real processes on real PostgreSQL, killed with
/// SIGKILL under load, and every acknowledged push looked for afterwards.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KillTests(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_acknowledged_push_survives_the_service_being_killed_and_restarted()
    {
        await using var cluster = await ClusterTopology.StartAsync(postgres, silos: 1);
        using var http = Client(cluster);
        var run = new TrafficRun(Load(calls: 4000, seed: 11), http);

        var traffic = run.RunAsync(CancellationToken.None);
        await WaitForAcknowledgementsAsync(run, 1500);
        cluster.Api!.Kill();
        foreach (var silo in cluster.Silos) silo!.Kill();
        var figures = await traffic;

        cluster.StartSilo(0);
        cluster.StartApi();
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
    public async Task A_cluster_keeps_serving_when_one_of_two_silos_is_killed_and_loses_no_acknowledged_push()
    {
        await using var cluster = await ClusterTopology.StartAsync(postgres, silos: 2);
        using var http = Client(cluster);
        var run = new TrafficRun(Load(calls: 3000, seed: 23), http);

        var traffic = run.RunAsync(CancellationToken.None);
        await WaitForAcknowledgementsAsync(run, 1500);
        cluster.Silos[1]!.Kill();
        var figures = await traffic;
        var verification = await new Verifier(http, 8).VerifyAsync(run.Calls, CancellationToken.None);

        Report("one of two silos killed", figures, verification);
        Assert.False(cluster.Silos[0]!.HasExited);
        Assert.True(run.Calls.Count(c => c.CdrAcknowledged) > run.Calls.Count / 2, "service should have continued after the kill");
        Assert.Equal(0, verification.MissingItems);
        Assert.Equal(0, verification.WrongOutcome);
        Assert.Equal(0, verification.NotFinal);
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

    private static HttpClient Client(ClusterTopology cluster) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 16 })
        {
            BaseAddress = cluster.ApiUrl,
            Timeout = TimeSpan.FromSeconds(20),
            DefaultRequestHeaders = { Authorization = new("Bearer", ClusterTopology.ApiKey) },
        };

    private static async Task WaitForAcknowledgementsAsync(TrafficRun run, int count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (run.Acknowledged < count && DateTime.UtcNow < deadline) await Task.Delay(50);
    }

    private void Report(string scenario, TrafficFigures figures, VerificationFigures verification)
    {
        output.WriteLine($"{scenario}: pushes sent {figures.PushesSent}, acknowledged {figures.PushesAcknowledged}; " +
                         $"calls checked {verification.CallsChecked}, acknowledged items {verification.AcknowledgedItems}, " +
                         $"found {verification.FoundItems}, missing {verification.MissingItems}, not final {verification.NotFinal}, " +
                         $"wrong outcome {verification.WrongOutcome}; " +
                         $"responses {string.Join(", ", figures.StatusCodes.Select(p => $"{p.Key}: {p.Value}"))}");
        foreach (var example in verification.Examples) output.WriteLine("  " + example);
    }
}
