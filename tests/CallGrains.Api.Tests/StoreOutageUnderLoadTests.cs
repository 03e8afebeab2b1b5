using System.Net;
using CallGrains.PushSimulator;
using Xunit.Abstractions;

namespace CallGrains.Api.Tests;

/// <summary>
/// PostgreSQL stopped and started again while the simulator pushes: nothing uncommitted is acknowledged,
/// readiness says so while it is away, active calls still answer from memory, and the service recovers by
/// itself, with every acknowledged push reflected afterwards.
/// </summary>
[Collection(PostgresApiCollection.Name)]
public sealed class StoreOutageUnderLoadTests(PostgresApiFixture api, ITestOutputHelper output)
{
    [Fact]
    public async Task Stopping_postgresql_mid_load_acknowledges_nothing_uncommitted_and_the_service_recovers_by_itself()
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 })
        {
            BaseAddress = api.Client.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestHeaders = { Authorization = api.Client.DefaultRequestHeaders.Authorization },
        };
        var run = new TrafficRun(new SimulatorOptions
        {
            Calls = 2500, Concurrency = 16, Seed = 5, LateCdr = 0, CdrRetries = 8, CdrRetryDelayMs = 1000,
        }, http);

        var traffic = run.RunAsync(CancellationToken.None);
        await WaitAsync(() => run.Acknowledged >= 1500, TimeSpan.FromMinutes(2));
        var acknowledgedBefore = run.Acknowledged;
        // A call read once before the outage: its grain, and the request grain its view shows, are in memory.
        var active = run.Calls.First(c => c.AcknowledgedItems.Any());
        var activePath = $"/v1/calls/{Uri.EscapeDataString(active.Call.SessionId)}";
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(activePath)).StatusCode);

        HttpStatusCode readyDuring;
        HttpStatusCode activeViewDuring;
        long acknowledgedDuring;
        await using (await api.OutageAsync())
        {
            await Task.Delay(1000); // pushes in flight when the server went away finish failing
            var duringFrom = run.Acknowledged;
            readyDuring = (await http.GetAsync("/health/ready")).StatusCode;
            activeViewDuring = (await http.GetAsync(activePath)).StatusCode;
            await Task.Delay(4000);
            acknowledgedDuring = run.Acknowledged - duringFrom;
        }
        var restartedAt = DateTime.UtcNow;
        await WaitAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        var recovery = DateTime.UtcNow - restartedAt;
        var figures = await traffic;
        var verification = await new Verifier(http, 8).VerifyAsync(run.Calls, CancellationToken.None);

        output.WriteLine($"pushes sent {figures.PushesSent}, acknowledged {figures.PushesAcknowledged} " +
                         $"({acknowledgedBefore} before the outage, {acknowledgedDuring} while it lasted); " +
                         $"responses {string.Join(", ", figures.StatusCodes.Select(p => $"{p.Key}: {p.Value}"))}; " +
                         $"ready again {recovery.TotalSeconds:F1} s after restart; acknowledged items {verification.AcknowledgedItems}, " +
                         $"found {verification.FoundItems}, missing {verification.MissingItems}, not final {verification.NotFinal}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyDuring);
        Assert.Equal(HttpStatusCode.OK, activeViewDuring);
        Assert.Equal(0, acknowledgedDuring);
        Assert.True(figures.StatusCodes.GetValueOrDefault(503) > 0, "the outage should have refused pushes");
        Assert.All(figures.StatusCodes.Keys, code => Assert.True(code is 200 or 503, $"unexpected status {code}"));
        Assert.True(figures.PushesAcknowledged > acknowledgedBefore, "pushes should be acknowledged again after the restart");
        Assert.Equal(0, verification.MissingItems);
        Assert.Equal(0, verification.NotFinal);
        Assert.Equal(0, verification.WrongOutcome);
    }

    private static Task WaitAsync(Func<bool> condition, TimeSpan limit) => WaitAsync(() => Task.FromResult(condition()), limit);

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(100);
        }
    }
}
