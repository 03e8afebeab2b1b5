using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Threading.Channels;
using CallGrains.Storage;
using CallGrains.Telemetry;
using Npgsql;

namespace CallGrains.Postgres.Storage;

/// <summary>Group commit settings, bound from "CallGrains:GroupCommit".</summary>
public sealed class GroupCommitOptions
{
    public const string Section = "CallGrains:GroupCommit";

    /// <summary>Most appends one transaction carries.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 512;

    /// <summary>
    /// How long a writer waits for more appends after the first one before committing. 0 commits at once:
    /// appends that arrive while a commit is in flight form the next batch by themselves.
    /// </summary>
    [Range(0.0, 1000.0)]
    public double LingerMs { get; set; }

    /// <summary>
    /// Transactions in flight at once. With one, an append that arrives during a commit waits for it to end before its
    /// own begins; with two, it starts at once beside it, and commits that end together can share a WAL flush. More
    /// writers split the queue into smaller batches, each paying a transaction. Until db/018 they also waited in line for
    /// the change feed's counter row (4 writers against 1, 2026-11-29: PostgreSQL's CPU per push about doubled). Two
    /// against one in five pairs in turn (2026-11-30, docs/benchmarks.md): the higher maximum and the lower p99 at half
    /// in four pairs of five.
    /// </summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;

    /// <summary>
    /// Appends waiting for a writer. When the database falls this far behind, further pushes get 503 with
    /// Retry-After at once, instead of queueing (and holding their requests and memory) without bound.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxQueued { get; set; } = 20_000;
}

/// <summary>
/// Group commit: the appends of many concurrent pushes (from many grains) share one transaction, because
/// PostgreSQL's commit rate, not Orleans, is the ceiling. Each append still completes only after the
/// transaction holding it committed. A batch that fails for a reason of its own content is retried one
/// append at a time, so a bad neighbour never fails an innocent push; a store outage fails the whole batch.
/// </summary>
public sealed class GroupCommitJournal : IPushJournal, IAsyncDisposable
{
    private readonly PostgresStore _store;
    private readonly GroupCommitOptions _options;
    private readonly ChangeSignal? _signal;
    private readonly CallGrainsMetrics? _metrics;
    private readonly Channel<Pending> _queue;
    private volatile bool _closing;
    private readonly Task[] _writers;
    private long _batches;
    private long _appends;

    /// <param name="signal">Pulsed after each commit, to wake this process's change-feed readers; none when null.</param>
    /// <param name="metrics">Records each transaction's size and duration; none when null.</param>
    public GroupCommitJournal(PostgresStore store, GroupCommitOptions options, ChangeSignal? signal = null, CallGrainsMetrics? metrics = null)
    {
        _store = store;
        _options = options;
        _signal = signal;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.MaxQueued)
        {
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _metrics = metrics;
        _writers = [.. Enumerable.Range(0, Math.Max(1, options.Writers)).Select(_ => Task.Run(WriteLoopAsync))];
    }

    /// <summary>Transactions committed (or attempted) so far: with many appends per batch, far fewer than <see cref="Appends"/>.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    public long Appends => Interlocked.Read(ref _appends);

    public Task AppendAsync(CallAppend append, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(append, Activity.Current?.Context ?? default);
        if (!_queue.Writer.TryWrite(pending))
            throw new StoreUnavailableException(_closing
                ? "The journal writer is shutting down."
                : $"The journal writer has {_options.MaxQueued} appends waiting: the database is not keeping up.") { Refused = true };
        return pending.Committed.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(_options.MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            Drain(reader, batch);
            if (batch.Count == 0) continue;
            if (_options.LingerMs > 0 && batch.Count < _options.MaxBatch)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_options.LingerMs));
                Drain(reader, batch);
            }
            await CommitAsync(batch);
        }
    }

    private void Drain(ChannelReader<Pending> reader, List<Pending> batch)
    {
        while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending)) batch.Add(pending);
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _appends, batch.Count);
        using var span = StartCommitSpan(batch);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await _store.AppendManyAsync([.. batch.Select(p => p.Append)]);
            _metrics?.Committed(batch.Count, Stopwatch.GetElapsedTime(started));
            foreach (var pending in batch) pending.Committed.TrySetResult();
            _signal?.Pulse();
        }
        catch (StoreUnavailableException ex) when (batch.Count > 1 && ex.InnerException is PostgresException)
        {
            // The server refused the content (a constraint, a value it cannot take): find the culprit alone.
            foreach (var pending in batch) await CommitAloneAsync(pending);
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            foreach (var pending in batch) pending.Committed.TrySetException(ex);
        }
    }

    /// <summary>
    /// One span per transaction. It carries many pushes, so it links to every one of them; its parent is the first
    /// one's append, so that this push's trace reaches the commit that made it durable.
    /// </summary>
    private static Activity? StartCommitSpan(List<Pending> batch)
    {
        if (!CallGrainsTracing.Source.HasListeners()) return null;
        var links = batch.Where(p => p.Origin != default).Select(p => new ActivityLink(p.Origin)).ToList();
        var parent = batch.Select(p => p.Origin).FirstOrDefault(o => o != default);
        var span = CallGrainsTracing.Source.StartActivity("callgrains.journal.commit", ActivityKind.Internal, parent, links: links);
        span?.SetTag("callgrains.batch.size", batch.Count);
        return span;
    }

    private async Task CommitAloneAsync(Pending pending)
    {
        Interlocked.Increment(ref _batches);
        using var span = StartCommitSpan([pending]);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await _store.AppendManyAsync([pending.Append]);
            _metrics?.Committed(1, Stopwatch.GetElapsedTime(started));
            pending.Committed.TrySetResult();
            _signal?.Pulse();
        }
        catch (Exception ex)
        {
            pending.Committed.TrySetException(ex);
        }
    }

    /// <param name="Origin">The span the append was asked for in (the grain's), which the commit's span links to.</param>
    private sealed record Pending(CallAppend Append, ActivityContext Origin)
    {
        // Completions run off the writer loop so that the grain's continuation never delays the next commit.
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
