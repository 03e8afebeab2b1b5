using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using CallGrains.Domain.Pushes;
using CallGrains.Storage;

namespace CallGrains.Postgres.Storage;

/// <summary>Journal read batching settings, bound from "CallGrains:JournalReads".</summary>
public sealed class JournalReadOptions
{
    public const string Section = "CallGrains:JournalReads";

    /// <summary>Most sessions one query reads.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 256;

    /// <summary>Queries in flight at once.</summary>
    [Range(1, 64)]
    public int Readers { get; set; } = 2;

    /// <summary>
    /// Reads waiting for a reader. Past it a read fails at once as a store outage (the grain answers 503), instead of
    /// queueing without bound while the database is slow.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxQueued { get; set; } = 10_000;
}

/// <summary>
/// The journal reader the grains activate with. Nearly every activation is a new call whose journal is empty, and
/// whether it is cannot be known without asking: another node may have journaled the session's first items. So
/// every activation asks, but concurrent asks share one query (<see cref="PostgresStore.ReadSessionsAsync"/>),
/// the way appends share a commit in <see cref="GroupCommitJournal"/>. There is no wait for company: reads that
/// arrive while a query is in flight form the next one, so a lone read costs what it did before.
/// </summary>
public sealed class BatchedJournalReader : IJournalReader, IAsyncDisposable
{
    private readonly PostgresStore _store;
    private readonly JournalReadOptions _options;
    private readonly Channel<PendingRead> _queue;
    private readonly Task[] _readers;
    private volatile bool _closing;
    private long _queries;

    public BatchedJournalReader(PostgresStore store, JournalReadOptions options)
    {
        _store = store;
        _options = options;
        _queue = Channel.CreateBounded<PendingRead>(new BoundedChannelOptions(options.MaxQueued) { SingleWriter = false });
        _readers = [.. Enumerable.Range(0, options.Readers).Select(_ => Task.Run(ReadLoopAsync))];
    }

    /// <summary>Queries sent so far: with concurrent activations, fewer than the reads asked for.</summary>
    public long Queries => Interlocked.Read(ref _queries);

    public Task<IReadOnlyList<JournalEntry>> ReadSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var pending = new PendingRead(sessionId);
        if (!_queue.Writer.TryWrite(pending))
            throw new StoreUnavailableException(_closing
                ? "The journal reader is shutting down."
                : $"The journal reader has {_options.MaxQueued} reads waiting: the database is not keeping up.") { Refused = true };
        // A caller that gives up stops waiting; the query it joined still runs for the others.
        return pending.Read.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        _queue.Writer.TryComplete();
        await Task.WhenAll(_readers);
    }

    private async Task ReadLoopAsync()
    {
        var batch = new List<PendingRead>(_options.MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending)) batch.Add(pending);
            if (batch.Count > 0) await ReadAsync(batch);
        }
    }

    private async Task ReadAsync(List<PendingRead> batch)
    {
        Interlocked.Increment(ref _queries);
        try
        {
            var sessions = await _store.ReadSessionsAsync(batch.Select(p => p.SessionId).ToHashSet(StringComparer.Ordinal));
            foreach (var pending in batch) pending.Read.TrySetResult([.. sessions[pending.SessionId]]);
        }
        catch (Exception ex)
        {
            // One query for all: whatever failed it, failed every read in it.
            foreach (var pending in batch) pending.Read.TrySetException(ex);
        }
    }

    private sealed record PendingRead(string SessionId)
    {
        // Completions run off the reader loop so that an activation's fold never delays the next query.
        public TaskCompletionSource<IReadOnlyList<JournalEntry>> Read { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
