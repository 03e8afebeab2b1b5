using CallGrains.Domain.Pushes;
using CallGrains.Storage;
using CallGrains.Storage.InMemory;

namespace CallGrains.Tests.Shared;

/// <summary>
/// A real journal behind a switch: it can be made to fail like a store that went away, or to answer slowly,
/// so that a test sees what an outage does to a grain or to the API. All its ports fail together, as a database would.
/// </summary>
/// <param name="pending">The pending items' port behind the same switch; none when null.</param>
public sealed class SwitchableJournal(IPushJournal writer, IJournalReader reader, IPendingJournal? pending = null)
    : IPushJournal, IJournalReader, IPendingJournal
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);
    private volatile bool _down;
    private long _delayTicks;

    public SwitchableJournal(InMemoryStore store) : this(store, store, store)
    {
    }

    public void GoDown() => _down = true;

    public void ComeBack() => _down = false;

    /// <summary>Down until the returned handle is disposed.</summary>
    public IAsyncDisposable Outage()
    {
        GoDown();
        return new Restore(this);
    }

    /// <summary>Every append takes <paramref name="delay"/> longer until the returned handle is disposed.</summary>
    public IDisposable Slow(TimeSpan delay)
    {
        Interlocked.Exchange(ref _delayTicks, delay.Ticks);
        return new Quicken(this);
    }

    public async Task AppendAsync(CallAppend append, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Read(ref _delayTicks) is > 0 and var ticks) await Task.Delay(TimeSpan.FromTicks(ticks), cancellationToken);
        ThrowIfDown();
        await writer.AppendAsync(append, cancellationToken);
    }

    public async Task AppendPendingAsync(IReadOnlyList<PushItem> items, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Read(ref _delayTicks) is > 0 and var ticks) await Task.Delay(TimeSpan.FromTicks(ticks), cancellationToken);
        ThrowIfDown();
        await (pending ?? throw new InvalidOperationException("no pending journal behind this switch")).AppendPendingAsync(items, cancellationToken);
    }

    public Task<IReadOnlyList<string>> SessionsWithPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return pending?.SessionsWithPendingAsync(limit, cancellationToken) ?? Task.FromResult<IReadOnlyList<string>>([]);
    }

    /// <summary>How often the session was read: a test can tell whether something reads the store more than it should.</summary>
    public int ReadsOf(string sessionId) => _reads.GetValueOrDefault(sessionId);

    public Task<IReadOnlyList<JournalEntry>> ReadSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        _reads.AddOrUpdate(sessionId, 1, (_, n) => n + 1);
        ThrowIfDown();
        return reader.ReadSessionAsync(sessionId, cancellationToken);
    }

    private void ThrowIfDown()
    {
        if (_down) throw new StoreUnavailableException("the store is down (test)");
    }

    private sealed class Restore(SwitchableJournal journal) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            journal.ComeBack();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Quicken(SwitchableJournal journal) : IDisposable
    {
        public void Dispose() => Interlocked.Exchange(ref journal._delayTicks, 0);
    }
}
