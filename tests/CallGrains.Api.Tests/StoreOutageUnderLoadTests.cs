using System.Diagnostics;
using System.Net;
using System.Text;
using CallGrains.PushSimulator;
using CallGrains.Tests.Shared;
using Xunit.Abstractions;

namespace CallGrains.Api.Tests;

/// <summary>
/// PostgreSQL really stopped, and started again, while the push simulator sends realistic traffic:
/// <list type="bullet">
/// <item>while it is down, readiness says so (503), pushes are refused with 503 + Retry-After problems, and nothing
/// that was not committed is acknowledged; a call whose grain is active still shows its view from memory;</item>
/// <item>once it is back, the service recovers by itself (pushes acknowledged again, ready again) and every push it
/// ever acknowledged is in the journal (the simulator's <see cref="Verifier"/>).</item>
/// </list>
/// The PostgreSQL fixture is shared with the other classes of its collection, so the server is restarted in a finally block.
/// </summary>
[Collection(PostgresApiCollection.Name)]
public sealed class StoreOutageUnderLoadTests(PostgresApiFixture api, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stopping_postgresql_mid_load_acknowledges_nothing_uncommitted_and_the_service_recovers_by_itself()
    {
        var audit = new PushAudit(new SocketsHttpHandler { MaxConnectionsPerServer = 32 });
        using var http = new HttpClient(audit)
        {
            BaseAddress = api.Client.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestHeaders = { Authorization = api.Client.DefaultRequestHeaders.Authorization },
        };
        // CDRs are retried (the platform re-sends them; here every second instead of every hour) long enough to outlast
        // the outage; status pushes are never re-sent, so those refused during the outage are lost, as on the platform.
        var run = new TrafficRun(new SimulatorOptions
        {
            Calls = 2500, Concurrency = 16, Seed = 5, LateCdr = 0, CdrRetries = 60, CdrRetryDelayMs = 1000,
        }, http);

        var traffic = run.RunAsync(CancellationToken.None);
        await WaitUntilAsync(() => Task.FromResult(run.Acknowledged >= 1500 || traffic.IsCompleted), TimeSpan.FromMinutes(3), "1500 pushes acknowledged");
        Assert.False(traffic.IsCompleted, "the traffic ended before the outage: give it more calls");
        var acknowledgedBefore = run.Acknowledged;
        // A call read once before the outage: its grain, and the request grain its view shows, are in memory.
        var active = run.Calls.First(c => c.AcknowledgedItems.Any());
        var activePath = $"/v1/calls/{Uri.EscapeDataString(active.Call.SessionId)}";
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(activePath)).StatusCode);
        var probes = new List<SampleCall>();

        HttpStatusCode readyDuring, activeViewDuring, activeEventsDuring;
        long acknowledgedDuring;
        List<SampleCall> refusedWhileDown;
        var outage = await api.OutageAsync();
        DateTime restartedAt;
        try
        {
            // The first push refused proves the store is down; from then on, nothing may be acknowledged.
            using var refused = await WaitForAnswerAsync(http, probes, HttpStatusCode.ServiceUnavailable);
            var duringFrom = run.Acknowledged;
            await AssertRefusedForOutageAsync(refused, "a status push");
            var fee = SampleCall.Load("callback-connected");
            probes.Add(fee);
            using (var feeRefused = await http.PostAsync("/v1/huawei/fee", Json(fee.Pushes.Single(p => p.Contains("\"feeLst\"", StringComparison.Ordinal)))))
                await AssertRefusedForOutageAsync(feeRefused, "a fee push");

            readyDuring = (await http.GetAsync("/health/ready")).StatusCode;
            activeViewDuring = (await http.GetAsync(activePath)).StatusCode;
            using (var events = await http.GetAsync(activePath + "/events"))
            {
                activeEventsDuring = events.StatusCode;
                if (events.StatusCode == HttpStatusCode.ServiceUnavailable) await AssertRefusedForOutageAsync(events, "an events list, which reads the journal");
            }
            await Task.Delay(TimeSpan.FromSeconds(4)); // the traffic keeps pushing against the stopped store
            acknowledgedDuring = run.Acknowledged - duringFrom;
            refusedWhileDown = [.. probes];
        }
        finally
        {
            await outage.DisposeAsync(); // PostgreSQL started again
            restartedAt = DateTime.UtcNow;
        }

        var clock = Stopwatch.StartNew();
        (await WaitForAnswerAsync(http, probes, HttpStatusCode.OK)).Dispose();
        var pushesBack = clock.Elapsed;
        await WaitUntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, Patience, "ready again");
        var readyBack = clock.Elapsed;

        var figures = await traffic.WaitAsync(TimeSpan.FromMinutes(5));
        var verification = await new Verifier(http, 8).VerifyAsync(run.Calls, CancellationToken.None);
        var refusedProbesStored = 0;
        foreach (var probe in refusedWhileDown)
            if ((await http.GetAsync($"/v1/calls/{Uri.EscapeDataString(probe.SessionId)}")).StatusCode != HttpStatusCode.NotFound) refusedProbesStored++;

        output.WriteLine($"calls {figures.Calls}; pushes sent {figures.PushesSent} (retries included), acknowledged {figures.PushesAcknowledged} " +
                         $"({acknowledgedBefore} before the outage, {acknowledgedDuring} while PostgreSQL was down)");
        output.WriteLine($"answers to the simulator: {string.Join(", ", figures.StatusCodes.Select(p => $"{p.Key}: {p.Value}"))}; " +
                         $"503s on push paths {audit.Unavailable}, of which without Retry-After {audit.UnavailableWithoutRetryAfter}, not problem+json {audit.UnavailableNotProblem}");
        output.WriteLine($"while down: ready {(int)readyDuring}, active call view {(int)activeViewDuring}, its events {(int)activeEventsDuring}; " +
                         $"after restart: pushes acknowledged again in {pushesBack.TotalSeconds:F1} s, ready in {readyBack.TotalSeconds:F1} s " +
                         $"(restarted at {restartedAt:HH:mm:ss.f})");
        output.WriteLine($"verifier: calls {verification.CallsChecked}, acknowledged items {verification.AcknowledgedItems}, found {verification.FoundItems}, " +
                         $"missing {verification.MissingItems}, not final {verification.NotFinal}, wrong outcome {verification.WrongOutcome}" +
                         (verification.Examples.Count > 0 ? "; e.g. " + string.Join("; ", verification.Examples) : ""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyDuring);
        Assert.Equal(HttpStatusCode.OK, activeViewDuring);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, activeEventsDuring);
        Assert.Equal(0, acknowledgedDuring);
        Assert.Equal(0, refusedProbesStored);
        Assert.True(figures.StatusCodes.GetValueOrDefault(503) > 0, "the outage should have refused some of the simulator's pushes");
        Assert.All(figures.StatusCodes.Keys, code => Assert.True(code is 200 or 503, $"unexpected answer {code} to the simulator"));
        Assert.Equal(0, audit.UnavailableWithoutRetryAfter);
        Assert.Equal(0, audit.UnavailableNotProblem);
        Assert.Equal(0, audit.ServerErrorsOtherThan503);
        Assert.True(figures.PushesAcknowledged > acknowledgedBefore, "pushes should be acknowledged again after the restart");
        Assert.Equal(0, verification.MissingItems);
        Assert.Equal(0, verification.NotFinal);
        Assert.Equal(0, verification.WrongOutcome);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task AssertRefusedForOutageAsync(HttpResponseMessage response, string what)
    {
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what} while PostgreSQL is down: {response.StatusCode}");
        Assert.True(response.Headers.RetryAfter is not null, $"{what} refused without Retry-After");
        await ProblemResponse.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
    }

    /// <summary>Sends fresh status pushes (one new call each, recorded in <paramref name="probes"/>) until one gets <paramref name="expected"/>.</summary>
    private static async Task<HttpResponseMessage> WaitForAnswerAsync(HttpClient http, List<SampleCall> probes, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var probe = SampleCall.Load("verification-code");
            probes.Add(probe);
            var response = await http.PostAsync("/v1/huawei/status", Json(probe.Pushes[0]));
            if (response.StatusCode == expected) return response;
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"a probe push got {response.StatusCode}");
            response.Dispose();
            Assert.True(DateTime.UtcNow < deadline, $"no {(int)expected} for a push within {Patience.TotalSeconds} s");
            await Task.Delay(200);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Looks at every answer to a push: a 503 must carry Retry-After and be a problem; no other 5xx is allowed.</summary>
    private sealed class PushAudit(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _unavailable, _withoutRetryAfter, _notProblem, _otherServerErrors;

        public int Unavailable => _unavailable;
        public int UnavailableWithoutRetryAfter => _withoutRetryAfter;
        public int UnavailableNotProblem => _notProblem;
        public int ServerErrorsOtherThan503 => _otherServerErrors;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method != HttpMethod.Post || request.RequestUri?.AbsolutePath.Contains("/v1/huawei/", StringComparison.Ordinal) != true) return response;
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref _unavailable);
                if (response.Headers.RetryAfter is null) Interlocked.Increment(ref _withoutRetryAfter);
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") Interlocked.Increment(ref _notProblem);
            }
            else if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref _otherServerErrors);
            }
            return response;
        }
    }
}
