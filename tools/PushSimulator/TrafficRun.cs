using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading.Channels;
using HdrHistogram;

namespace CallGrains.PushSimulator;

/// <summary>
/// Sends the traffic: many calls interleaved, each call's status pushes in (mostly) call-state order,
/// CDRs batched up to 50 per fee push, with the platform's reordering, duplicates, losses and late CDRs.
/// </summary>
/// <remarks>
/// Unthrottled (no <see cref="SimulatorOptions.Rate"/>), it is a closed loop: each of the concurrent senders sends the
/// next push when the last one was answered, and latency runs from the send. With a rate, every push has a scheduled send
/// time (start + n / rate) kept whatever the service does, and latency runs from that time: a push that waited for a free
/// sender because the service was slow counts its wait, so a stall cannot hide behind the pushes it kept from being sent
/// (coordinated omission).
/// </remarks>
public sealed class TrafficRun(SimulatorOptions options, HttpClient http)
{
    private readonly Random _random = new(options.Seed);
    private readonly string _runId = options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
    private readonly LongConcurrentHistogram _latencyUs = Histograms.Microseconds();
    private readonly LongConcurrentHistogram _behindScheduleUs = Histograms.Microseconds();
    private readonly ConcurrentDictionary<int, int> _statusCodes = new();
    private readonly ConcurrentDictionary<int, int> _statusPushCodes = new();
    private long _sent;
    private long _acknowledged;
    private long _dropped;
    private long _duplicatesSent;

    public List<CallLedger> Calls { get; } = [];

    /// <summary>Pushes acknowledged so far; readable while the run goes on.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public async Task<TrafficFigures> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var scheduled = options.Rate > 0
            ? await Task.Factory.StartNew(() => RunPaced(clock, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : await RunClosedLoopAsync(clock, cancellationToken);
        clock.Stop();
        return new TrafficFigures(Calls.Count, _sent, _acknowledged, _dropped, _duplicatesSent, clock.Elapsed.TotalSeconds,
            Percentiles.OfMicroseconds(_latencyUs), new SortedDictionary<int, int>(_statusCodes))
        {
            Schedule = options.Rate > 0 ? new ScheduleFigures(options.Rate, scheduled.TotalSeconds, Percentiles.OfMicroseconds(_behindScheduleUs)) : null,
            StatusPushCodes = new SortedDictionary<int, int>(_statusPushCodes),
        };
    }

    /// <summary>Each of the concurrent senders sends the next push when the last one was answered.</summary>
    private async Task<TimeSpan> RunClosedLoopAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<Push>(new BoundedChannelOptions(options.Concurrency * 4) { SingleWriter = true });
        var senders = Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            await foreach (var push in channel.Reader.ReadAllAsync(cancellationToken)) await DeliverAsync(push, cancellationToken);
        }).ToArray();
        var produced = await ProduceAsync(push => channel.Writer.WriteAsync(push, cancellationToken), clock, cancellationToken);
        channel.Writer.Complete();
        await Task.WhenAll(senders);
        return produced;
    }

    /// <summary>
    /// On a thread of its own, which sleeps and blocks: each push is sent from it at its time, by the first free sender.
    /// Sent through a queue to senders waiting on the thread pool, a push waited in the pool's queue behind the answers
    /// being read, and under load the schedule ran several milliseconds late at the tail: lateness the service did not
    /// cause (docs/benchmarks.md). When every sender waits for an answer the push waits for one, and that wait counts.
    /// </summary>
    private TimeSpan RunPaced(Stopwatch clock, CancellationToken cancellationToken)
    {
        using var senders = new SemaphoreSlim(options.Concurrency);
        Exception? failed = null;
        var scheduled = ProduceAsync(push =>
        {
            // Never early (sent early, a push would measure less than the service took): a sleep lasts at least the whole
            // milliseconds asked, so the wait is rounded up, and a push due within the next millisecond is late by the rest.
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), push.ScheduledAt);
            if (wait > TimeSpan.Zero) Thread.Sleep((int)Math.Ceiling(wait.TotalMilliseconds));
            senders.Wait(cancellationToken);
            _ = SendThenFreeAsync(push);
            return ValueTask.CompletedTask;
        }, clock, cancellationToken).GetAwaiter().GetResult();
        for (var i = 0; i < options.Concurrency; i++) senders.Wait(cancellationToken); // every push answered
        if (failed is not null) ExceptionDispatchInfo.Throw(failed);
        return scheduled;

        async Task SendThenFreeAsync(Push push)
        {
            try
            {
                await DeliverAsync(push, cancellationToken);
            }
            catch (Exception ex)
            {
                // Nobody awaits a send: the run fails with its first failure once every send has ended.
                Interlocked.CompareExchange(ref failed, ex, null);
            }
            finally
            {
                senders.Release();
            }
        }
    }

    /// <summary>Hands the pushes to <paramref name="send"/>; returns the length of the schedule (rate mode) or of the production.</summary>
    private async Task<TimeSpan> ProduceAsync(Func<Push, ValueTask> send, Stopwatch clock, CancellationToken cancellationToken)
    {
        var active = new List<(CallLedger Ledger, Queue<string> Pushes)>();
        var cdrs = new List<CallLedger>();
        var late = new List<CallLedger>();
        var start = DateTime.UtcNow.AddHours(-1);
        var emitted = 0L;
        var cdrBufferSince = TimeSpan.Zero;
        var maxActive = Math.Max(options.Concurrency * 4, 64);
        var origin = Stopwatch.GetTimestamp();

        // With a rate, the run's time is the schedule's: a generator (or service) that falls behind still sends every
        // scheduled push, late, and each one's lateness is in its latency, rather than the run quietly offering less.
        TimeSpan Now() => options.Rate > 0 ? TimeSpan.FromSeconds(emitted / options.Rate) : clock.Elapsed;

        ValueTask Enqueue(Push push)
        {
            var scheduledAt = options.Rate > 0 ? origin + (long)(emitted * (Stopwatch.Frequency / options.Rate)) : 0L;
            emitted++;
            return send(push with { ScheduledAt = scheduledAt });
        }

        async Task Emit(Push push)
        {
            await Enqueue(push);
            if (_random.NextDouble() < options.Duplicates)
            {
                Interlocked.Increment(ref _duplicatesSent);
                await Enqueue(push);
            }
        }

        async Task FlushCdrs(List<CallLedger> batch)
        {
            for (var i = 0; i < batch.Count; i += options.CdrBatch)
                await Emit(Push.Fee(batch.Skip(i).Take(options.CdrBatch).ToList()));
            batch.Clear();
        }

        bool MoreCalls() => options.Calls > 0
            ? Calls.Count < options.Calls && (options.DurationSeconds <= 0 || Now().TotalSeconds < options.DurationSeconds)
            : Now().TotalSeconds < options.DurationSeconds;

        while (!cancellationToken.IsCancellationRequested && (active.Count > 0 || MoreCalls()))
        {
            while (active.Count < maxActive && MoreCalls())
            {
                var call = SimulatedCall.Create(Calls.Count, Scenarios.Pick(_random), start.AddSeconds(Calls.Count % 3600), _runId, _random);
                var ledger = new CallLedger(call);
                Calls.Add(ledger);
                active.Add((ledger, new Queue<string>(Disturb(call.StatusPushes))));
            }
            var pick = _random.Next(active.Count);
            var (current, queue) = active[pick];
            if (queue.TryDequeue(out var status))
            {
                await Emit(Push.Status(current, status));
            }
            else
            {
                active.RemoveAt(pick);
                (_random.NextDouble() < options.LateCdr ? late : cdrs).Add(current);
                if (cdrs.Count == 1) cdrBufferSince = Now();
            }
            // Calls ending in the same moment share a fee push, as the platform merges them.
            if (cdrs.Count >= options.CdrBatch || (cdrs.Count > 0 && Now() - cdrBufferSince > TimeSpan.FromMilliseconds(200)))
                await FlushCdrs(cdrs);
        }
        await FlushCdrs(cdrs);
        await FlushCdrs(late);
        return Now();
    }

    /// <summary>The platform's disturbances: lost status pushes and neighbours that overtake each other.</summary>
    private List<string> Disturb(IReadOnlyList<string> pushes)
    {
        var kept = new List<string>();
        foreach (var push in pushes)
        {
            if (_random.NextDouble() < options.DropStatus) Interlocked.Increment(ref _dropped);
            else kept.Add(push);
        }
        for (var i = 0; i + 1 < kept.Count; i++)
            if (_random.NextDouble() < options.Reorder) (kept[i], kept[i + 1]) = (kept[i + 1], kept[i]);
        return kept;
    }

    private async Task DeliverAsync(Push push, CancellationToken cancellationToken)
    {
        if (push.ScheduledAt != 0) Histograms.Record(_behindScheduleUs, Stopwatch.GetTimestamp() - push.ScheduledAt);
        var attempts = push.IsFee ? 1 + options.CdrRetries : 1;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (await SendAsync(push, cancellationToken)) break;
            if (attempt < attempts) await Task.Delay(options.CdrRetryDelayMs, cancellationToken);
        }
    }

    private async Task<bool> SendAsync(Push push, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sent);
        var started = Stopwatch.GetTimestamp();
        HttpStatusCode code;
        try
        {
            using var content = new StringContent(push.Body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(push.IsFee ? "v1/huawei/fee" : "v1/huawei/status", content, cancellationToken);
            code = response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // No answer (refused, reset, or timed out) is a failed push, as the platform sees it.
            code = 0;
        }
        _statusCodes.AddOrUpdate((int)code, 1, (_, n) => n + 1);
        if (!push.IsFee) _statusPushCodes.AddOrUpdate((int)code, 1, (_, n) => n + 1);
        if (code != HttpStatusCode.OK) return false;
        var acknowledgedAt = Stopwatch.GetTimestamp();
        // A retried fee push counts from its first schedule in rate mode: that is how long the platform waited.
        Histograms.Record(_latencyUs, acknowledgedAt - (push.ScheduledAt != 0 ? push.ScheduledAt : started));
        Interlocked.Increment(ref _acknowledged);
        foreach (var (ledger, item) in push.Items) ledger.Acknowledge(item, push.IsFee, acknowledgedAt);
        return true;
    }

    /// <param name="ScheduledAt">When it is due (a Stopwatch timestamp) in rate mode; 0 unthrottled.</param>
    private sealed record Push(string Body, bool IsFee, IReadOnlyList<(CallLedger Ledger, string Item)> Items, long ScheduledAt = 0)
    {
        public static Push Status(CallLedger ledger, string body) => new(body, false, [(ledger, body)]);

        // Built by concatenation so that each feeLst element is byte for byte the item the service journals.
        public static Push Fee(IReadOnlyList<CallLedger> batch) =>
            new("{\"eventType\":\"fee\",\"feeLst\":[" + string.Join(',', batch.Select(c => c.CdrJson)) + "]}", true,
                [.. batch.Select(c => (c, c.CdrJson))]);
    }
}

