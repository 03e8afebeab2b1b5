using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallGrains.PushSimulator;
using CallGrains.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static CallGrains.Tests.Shared.LoopbackPorts;

namespace CallGrains.Bench;

/// <summary>
/// Issue 9's steps: ingest with one webhook subscription and one SSE reader attached against ingest without them,
/// then at half the maximum rate the lag from a push's acknowledgement to the receiver having its change, and what
/// never arrived.
/// </summary>
public static partial class FeedBench
{
    // How long the bench waits for deliveries to catch up after a load step; what is left then is reported, not waited for.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(90);
    // After the unthrottled step the wait only measures the delivery rate, so it can be shorter.
    public static readonly TimeSpan BacklogLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan NoProgressLimit = TimeSpan.FromSeconds(15);

    public static async Task RunAsync(Deployment deployment, string label, int concurrency, double rateWithout, int seconds, Report report)
    {
        // (1) the same unthrottled load as the measurement without readers, with both readers attached
        double rateWith;
        await using (var receiver = await WebhookReceiver.StartAsync())
        await using (var stream = await SseReader.StartAsync(deployment))
        {
            var subscription = await Subscriptions.CreateAsync(deployment, receiver.Url);
            var logLines = LogLines(deployment);
            var cpu = CpuSample.Take(deployment);
            var run = await Load.RunAsync(deployment, concurrency, rate: 0, seconds, verify: false);
            var used = CpuSample.Take(deployment) - cpu;
            rateWith = run.Traffic.AcknowledgedPerSecond;
            Console.WriteLine($"  {label}, {concurrency} in flight, webhook + SSE attached: {rateWith,7:F0}/s, {run.Traffic.Latency}{run.Traffic.Unacknowledged}; " +
                              $"webhook got {receiver.Arrivals.Distinct:N0}, SSE {stream.Arrivals.Distinct:N0} changes by the end; " +
                              used.PerPush(run.Traffic.PushesSent, run.Traffic.Seconds));

            var delivered = receiver.Arrivals.Distinct;
            cpu = CpuSample.Take(deployment);
            var drain = await Subscriptions.DrainAsync(deployment, subscription);
            used = CpuSample.Take(deployment) - cpu;
            var sent = receiver.Arrivals.Distinct - delivered;
            Console.WriteLine($"    webhook backlog after the load: {(drain.Left == 0 ? "drained" : $"{drain.Left:N0} left")} after {drain.Seconds:F1} s, " +
                              $"{sent / Math.Max(drain.Seconds, 1e-9):F0} deliveries/s while draining; " +
                              used.Per("delivery", sent, drain.Seconds));
            Console.WriteLine("    " + LogSummary(deployment, logLines));
            await Subscriptions.DeleteAsync(deployment, subscription);
        }

        // The same load again without readers: the first measurement without came right after a short warm-up, so
        // with-readers alone would be compared with a colder process. The ratio is against the mean of both.
        var again = await Load.RunAsync(deployment, concurrency, rate: 0, seconds, verify: false);
        var rateAgain = again.Traffic.AcknowledgedPerSecond;
        Console.WriteLine($"  {label}, {concurrency} in flight, readers detached again: {rateAgain,7:F0}/s, {again.Traffic.Latency}{again.Traffic.Unacknowledged}");
        var without = (rateWithout + rateAgain) / 2;
        report.Add($"{label}: ingest with one webhook subscription and one SSE reader attached",
            $"{rateWith:F0}/s against {without:F0}/s without (mean of {rateWithout:F0}/s before and {rateAgain:F0}/s after)", "≥ 0.9 × without",
            $"{rateWith / without:F2} ×, " + Pass(rateWith >= 0.9 * without));
        rateWithout = Math.Max(rateWithout, rateAgain);

        // (2) delivery lag at half the maximum rate, each change matched to the push that made it
        await using (var receiver = await WebhookReceiver.StartAsync())
        await using (var stream = await SseReader.StartAsync(deployment))
        {
            var subscription = await Subscriptions.CreateAsync(deployment, receiver.Url);
            var logLines = LogLines(deployment);
            var cpu = CpuSample.Take(deployment);
            var run = await Load.RunAsync(deployment, concurrency, rate: rateWithout / 2, seconds, verify: false);
            var used = CpuSample.Take(deployment) - cpu;
            Console.WriteLine($"  {label}, {rateWithout / 2:F0}/s offered, webhook + SSE attached: {run.Traffic.AcknowledgedPerSecond,7:F0}/s acknowledged, " +
                              $"{run.Traffic.Latency}{run.Traffic.Unacknowledged}; " +
                              used.PerPush(run.Traffic.PushesSent, run.Traffic.Seconds));

            var expected = await ExpectedChange.ListAsync(deployment, run.Calls);
            var waited = await WaitForAsync(expected, [receiver.Arrivals, stream.Arrivals]);
            var webhook = Lag.Of(expected, receiver.Arrivals);
            var sse = Lag.Of(expected, stream.Arrivals);
            Console.WriteLine($"    {expected.Count:N0} changes of acknowledged pushes (waited {waited.TotalSeconds:F1} s after the load; missing = not arrived by then); " +
                              $"webhook: {webhook}; SSE: {sse}");
            Console.WriteLine("    " + LogSummary(deployment, logLines));
            await Subscriptions.DeleteAsync(deployment, subscription);

            var offered = $"{rateWithout / 2:F0}/s offered, {run.Traffic.AcknowledgedPerSecond:F0}/s acknowledged";
            report.Add($"{label}: webhook delivery lag at half ({offered}): p50 / p99",
                $"{webhook.Ms.P50:F1} / {webhook.Ms.P99:F1} ms", "p50 ≤ 50 ms, p99 ≤ 500 ms",
                Pass(webhook.Ms.P50 <= 50 && webhook.Ms.P99 <= 500) + $", missing {webhook.Missing} of {expected.Count:N0}");
            report.Add($"{label}: SSE lag at half: p50 / p99", $"{sse.Ms.P50:F1} / {sse.Ms.P99:F1} ms", "", $"missing {sse.Missing} of {expected.Count:N0}");
        }
    }

    /// <summary>Waits until every expected change reached every reader, or nothing arrived for a while, or the limit.</summary>
    private static async Task<TimeSpan> WaitForAsync(IReadOnlyList<ExpectedChange> expected, IReadOnlyList<Arrivals> readers)
    {
        var clock = Stopwatch.StartNew();
        var lastCount = -1L;
        var lastProgress = clock.Elapsed;
        while (clock.Elapsed < DrainLimit)
        {
            var missing = readers.Sum(r => expected.LongCount(e => !r.Has(e.SessionId, e.Version)));
            if (missing == 0) break;
            var count = readers.Sum(r => (long)r.Distinct);
            if (count != lastCount) (lastCount, lastProgress) = (count, clock.Elapsed);
            else if (clock.Elapsed - lastProgress > NoProgressLimit) break;
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        return clock.Elapsed;
    }

    private static long LogLines(Deployment deployment) => deployment.Nodes.Sum(node => node.OutputLines);

    /// <summary>How much the service logged during a step (as shipped), and from where lately: logging is part of a delivery's cost.</summary>
    private static string LogSummary(Deployment deployment, long before)
    {
        var recent = deployment.Nodes.Select((node, i) => (Name: $"node {i + 1}", Node: node))
            .SelectMany(p => p.Node.Output.Split('\n').Select(line => (Process: p.Name, Match: LogCategory().Match(line))))
            .Where(line => line.Match.Success)
            .GroupBy(line => $"{line.Process} {line.Match.Groups[1].Value} {line.Match.Groups[2].Value}")
            .OrderByDescending(g => g.Count())
            .Take(3)
            .Select(g => $"{g.Key} ×{g.Count():N0}");
        return $"service log lines during the step: {LogLines(deployment) - before:N0}; most frequent in the last kept output: {string.Join(", ", recent)}";
    }

    [GeneratedRegex(@"^(info|warn|fail|crit): ([^\[\s]+)")]
    private static partial Regex LogCategory();

    private static string Pass(bool met) => met ? "met" : "NOT met";
}

/// <summary>A change the service owes its readers: an acknowledged push raised this session's view to this version.</summary>
/// <param name="AcknowledgedAt">When the push carrying the item was acknowledged (the first time, if it was sent twice), as a Stopwatch timestamp.</param>
/// <param name="ReceivedAt">The journal's receipt time of the item: the change's <c>at</c>, to check the match.</param>
public sealed record ExpectedChange(string SessionId, int Version, long AcknowledgedAt, DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// From each call's journal (<c>/v1/calls/{id}/events</c>, in arrival order): the n-th item that changed the view made
    /// version n; it is owed when the bench holds an acknowledgement for that item's exact text.
    /// </summary>
    public static async Task<IReadOnlyList<ExpectedChange>> ListAsync(Deployment deployment, IReadOnlyList<CallLedger> calls)
    {
        using var http = deployment.Client(16);
        var expected = new ConcurrentBag<ExpectedChange>();
        await Parallel.ForEachAsync(calls.Where(c => c.AcknowledgedItems.Any()), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (ledger, ct) =>
        {
            using var response = await http.GetAsync($"v1/calls/{Uri.EscapeDataString(ledger.Call.SessionId)}/events", ct);
            if (response.StatusCode == HttpStatusCode.NotFound) return;
            response.EnsureSuccessStatusCode();
            using var events = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var version = 0;
            foreach (var item in events.RootElement.EnumerateArray())
            {
                if (!item.GetProperty("changedView").GetBoolean()) continue;
                version++;
                if (ledger.AcknowledgedAt(item.GetProperty("body").GetRawText()) is { } acknowledgedAt)
                    expected.Add(new ExpectedChange(ledger.Call.SessionId, version, acknowledgedAt, item.GetProperty("receivedAt").GetDateTimeOffset()));
            }
        });
        return [.. expected];
    }
}

/// <summary>Lag from acknowledgement to arrival at one reader, over the changes it was owed.</summary>
/// <param name="FirstThirdP50">The median lag of the changes acknowledged in the first third of the step, and ...</param>
/// <param name="LastThirdP50">... of those in the last third: a lag that grows during the step means deliveries fall behind.</param>
public sealed record Lag(Percentiles Ms, long Missing, long Mismatched, double FirstThirdP50, double LastThirdP50)
{
    public static Lag Of(IReadOnlyList<ExpectedChange> expected, Arrivals arrivals)
    {
        var lags = new List<double>(expected.Count);
        var byAcknowledgement = new List<(long AcknowledgedAt, double Ms)>(expected.Count);
        long missing = 0, mismatched = 0;
        foreach (var change in expected)
        {
            if (!arrivals.TryGet(change.SessionId, change.Version, out var arrival))
            {
                missing++;
                continue;
            }
            // The change's `at` is its item's receipt time: a different one means the version was matched to the wrong push.
            if (arrival.ChangeAt != change.ReceivedAt) mismatched++;
            var ms = (arrival.At - change.AcknowledgedAt) * 1000.0 / Stopwatch.Frequency;
            lags.Add(ms);
            byAcknowledgement.Add((change.AcknowledgedAt, ms));
        }
        byAcknowledgement.Sort((a, b) => a.AcknowledgedAt.CompareTo(b.AcknowledgedAt));
        var third = byAcknowledgement.Count / 3;
        return new Lag(Percentiles.Of(lags), missing, mismatched,
            Percentiles.Of(byAcknowledgement.Take(third).Select(l => l.Ms)).P50,
            Percentiles.Of(byAcknowledgement.Skip(byAcknowledgement.Count - third).Select(l => l.Ms)).P50);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"p50 {Ms.P50:F1} ms, p90 {Ms.P90:F1} ms, p99 {Ms.P99:F1} ms, max {Ms.Max:F0} ms (p50 of the first third {FirstThirdP50:F1} ms, of the last {LastThirdP50:F1} ms), missing {Missing}") +
        (Mismatched > 0 ? $", {Mismatched} matched to a push with another receipt time" : "");
}

/// <summary>The first arrival of each change (session and version) at one reader; repeats (at-least-once) are counted, not timed.</summary>
public sealed class Arrivals
{
    private readonly ConcurrentDictionary<(string SessionId, int Version), (long At, DateTimeOffset ChangeAt)> _first = new();
    private long _received;

    public int Distinct => _first.Count;
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Records a change (the contract's change JSON) that arrived at <paramref name="at"/> (a Stopwatch timestamp).</summary>
    public void Record(JsonElement change, long at)
    {
        Interlocked.Increment(ref _received);
        var key = (change.GetProperty("sessionId").GetString()!, change.GetProperty("version").GetInt32());
        _first.TryAdd(key, (at, change.GetProperty("at").GetDateTimeOffset()));
    }

    public bool Has(string sessionId, int version) => _first.ContainsKey((sessionId, version));

    public bool TryGet(string sessionId, int version, out (long At, DateTimeOffset ChangeAt) arrival) => _first.TryGetValue((sessionId, version), out arrival);
}

/// <summary>A backend's webhook endpoint in the bench process: answers 200 at once and notes when each change arrived.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, Uri url) => (_app, Url) = (app, url);

    public Arrivals Arrivals { get; } = new();
    public Uri Url { get; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, new Uri($"http://127.0.0.1:{port}/hooks"));
        // Not verifying signatures: the webhook tests do; here the receiver should cost as little as possible.
        app.MapPost("/hooks", async (HttpRequest request) =>
        {
            using var message = await JsonDocument.ParseAsync(request.Body);
            receiver.Arrivals.Record(message.RootElement.GetProperty("data"), Stopwatch.GetTimestamp());
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One client of <c>GET /v1/changes/stream</c>, from the current end, noting when each change arrived.</summary>
public sealed class SseReader : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;

    private SseReader(HttpClient http) => _http = http;

    public Arrivals Arrivals { get; } = new();

    /// <summary>Returns once the stream said it is connected: every change committed after that is owed to it.</summary>
    public static async Task<SseReader> StartAsync(Deployment deployment)
    {
        var http = deployment.Client(1);
        http.Timeout = Timeout.InfiniteTimeSpan;
        var reader = new SseReader(http);
        var response = await http.GetAsync("v1/changes/stream", HttpCompletionOption.ResponseHeadersRead, reader._stop.Token);
        response.EnsureSuccessStatusCode();
        var lines = new StreamReader(await response.Content.ReadAsStreamAsync(reader._stop.Token));
        var first = await lines.ReadLineAsync(reader._stop.Token);
        if (first != ": connected") throw new InvalidOperationException($"unexpected first line of the change stream: {first}");
        reader._reading = reader.ReadAsync(response, lines);
        return reader;
    }

    private async Task ReadAsync(HttpResponseMessage response, StreamReader lines)
    {
        using (response)
        using (lines)
        {
            try
            {
                while (await lines.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                    var at = Stopwatch.GetTimestamp();
                    using var change = JsonDocument.Parse(line.AsMemory(6));
                    Arrivals.Record(change.RootElement, at);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // the bench closed the stream
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (IOException)
        {
            // the connection was torn down under the read
        }
        _http.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The subscription endpoints, as a backend uses them.</summary>
public static class Subscriptions
{
    public static async Task<string> CreateAsync(Deployment deployment, Uri receiver)
    {
        using var http = deployment.Client(1);
        using var response = await http.PostAsJsonAsync("v1/subscriptions", new { url = receiver.ToString() });
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"subscription refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return created.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Waits until the subscription's backlog is empty, or the limit; returns how long and what is left.</summary>
    public static async Task<(double Seconds, long Left)> DrainAsync(Deployment deployment, string id)
    {
        using var http = deployment.Client(1);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var view = JsonDocument.Parse(await http.GetStringAsync($"v1/subscriptions/{Uri.EscapeDataString(id)}"));
            var backlog = view.RootElement.GetProperty("backlog").GetInt64();
            if (backlog == 0 || clock.Elapsed > FeedBench.BacklogLimit) return (clock.Elapsed.TotalSeconds, backlog);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    public static async Task DeleteAsync(Deployment deployment, string id)
    {
        using var http = deployment.Client(1);
        using var response = await http.DeleteAsync($"v1/subscriptions/{Uri.EscapeDataString(id)}");
        response.EnsureSuccessStatusCode();
    }
}
