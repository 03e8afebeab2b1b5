using CallGrains.Domain.Pushes;
using CallGrains.Postgres.Spool;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;

namespace CallGrains.Postgres.Tests.Spool;

public sealed class PushSpoolTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 10, 0, 0, TimeSpan.FromHours(8));

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "callgrains-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Appended_pushes_come_back_in_arrival_order_after_the_spool_is_reopened()
    {
        var pushes = Enumerable.Range(0, 40).Select(i => Push(i, items: 1 + i % 3)).ToList();
        await using (var spool = Open())
        {
            foreach (var push in pushes) await spool.AppendAsync(push);
            Assert.Equal(40, spool.Depth.Pushes);
        }

        await using var reopened = Open();
        Assert.Equal(new SpoolDepth(40, reopened.Depth.Bytes), reopened.Depth);
        Assert.True(reopened.IsSpooling);
        var batch = reopened.Read(100);
        Assert.Equal(pushes.Count, batch.Pushes.Count);
        for (var i = 0; i < pushes.Count; i++) Assert.Equal(pushes[i], batch.Pushes[i]);
        // Every member comes back exactly, the receiving clock's offset and the flag included.
        Assert.Equal(At.Offset, batch.Pushes[5][0].ReceivedAt.Offset);
        Assert.Equal("signature did not verify", batch.Pushes[5][1].Flag);
    }

    [Fact]
    public async Task Concurrent_appends_share_one_fsync_and_all_come_back()
    {
        var disk = new HeldDisk();
        var spool = Open(disk: disk);
        var flushesAtOpen = disk.Flushes;

        disk.HoldNext();
        var first = spool.AppendAsync(Push(0));
        Assert.True(disk.Held.Wait(TimeSpan.FromSeconds(30)), "the first append's fsync never started");
        // While the first fsync runs, 199 more pushes arrive: they must become one group with one fsync.
        var rest = Enumerable.Range(1, 199).Select(i => spool.AppendAsync(Push(i))).ToList();
        Assert.All(rest, append => Assert.False(append.IsCompleted));
        disk.Release();
        await Task.WhenAll([first, .. rest]);

        Assert.Equal(2, disk.Flushes - flushesAtOpen);
        await spool.DisposeAsync();
        await using var reopened = Open();
        var batch = reopened.Read(1000);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => Push(i)), batch.Pushes.Select(p => p.ToList()), new PushComparer());
    }

    [Fact]
    public async Task A_torn_last_write_is_cut_off_and_the_pushes_before_it_are_kept()
    {
        var segment = await SegmentOfFivePushesAsync();
        var whole = new FileInfo(segment).Length;
        // The last push's write stopped part way: its frame lacks its last bytes.
        using (var file = File.OpenWrite(segment)) file.SetLength(whole - 7);

        var logs = new ListLogger();
        await using (var spool = Open(logger: logs))
        {
            Assert.Equal(4, spool.Depth.Pushes);
            Assert.Equal(Enumerable.Range(0, 4).Select(i => Push(i)), spool.Read(100).Pushes.Select(p => p.ToList()), new PushComparer());
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("torn write", StringComparison.Ordinal));
            // Appends continue right after the last whole push, not after the torn bytes.
            await spool.AppendAsync(Push(99));
        }

        await using var reopened = Open();
        Assert.Equal([0, 1, 2, 3, 99], reopened.Read(100).Pushes.Select(Number));
    }

    [Fact]
    public async Task Garbage_after_the_last_push_is_cut_off_and_every_push_is_kept()
    {
        var segment = await SegmentOfFivePushesAsync();
        var whole = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Append)) file.Write([0xF5, (byte)'C', (byte)'G', (byte)'R', 9, 0, 0, 0, 1, 2, 3]);

        await using var reopened = Open();
        Assert.Equal([0, 1, 2, 3, 4], reopened.Read(100).Pushes.Select(Number));
        Assert.Equal(whole, new FileInfo(segment).Length);
    }

    [Fact]
    public async Task A_damaged_push_in_the_middle_is_reported_as_an_error_and_the_pushes_around_it_are_kept()
    {
        var segment = await SegmentOfFivePushesAsync();
        var bytes = File.ReadAllBytes(segment);
        var third = IndexOf(bytes, "\"n\":2"u8.ToArray());
        bytes[third] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        var logs = new ListLogger();
        await using var reopened = Open(logger: logs);
        var batch = reopened.Read(100);
        Assert.Equal([0, 1, 3, 4], batch.Pushes.Select(Number));
        Assert.Equal(1, batch.Skipped);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("damaged", StringComparison.Ordinal));
        // Damage is never taken for a torn tail: nothing after it was cut off.
        Assert.Equal(bytes.Length, new FileInfo(segment).Length);
    }

    [Fact]
    public async Task A_full_spool_refuses_with_the_storage_outage_and_writes_nothing_of_the_refused_push()
    {
        await using var spool = Open(new SpoolOptions { MaxBytes = 64 * 1024, SegmentBytes = 64 * 1024 });
        var accepted = 0;
        StoreUnavailableException? refused = null;
        while (refused is null && accepted < 100)
        {
            try
            {
                await spool.AppendAsync(Push(accepted, items: 1, bodyBytes: 10_000));
                accepted++;
            }
            catch (StoreUnavailableException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("spool is full", refused.Message, StringComparison.Ordinal);
        Assert.Equal(6, accepted);
        Assert.Equal(1, spool.RefusedPushes);
        Assert.True(spool.DiskBytes <= 64 * 1024);
        Assert.Equal(spool.DiskBytes, new FileInfo(SingleSegment()).Length);
        // Readiness reads this: the node cannot take a push like the last one.
        Assert.True(spool.IsFull);
        // A smaller push that still fits is taken: a refusal is about size, not a latch.
        await spool.AppendAsync(Push(1000));
        Assert.False(spool.IsFull);
        Assert.Equal(accepted + 1, spool.Read(100).Pushes.Count);
    }

    [Fact]
    public async Task A_group_whose_fsync_fails_is_refused_whole_and_cut_off_so_later_pushes_follow_the_last_whole_one()
    {
        var disk = new HeldDisk();
        await using (var spool = Open(disk: disk))
        {
            await spool.AppendAsync(Push(0));
            var before = spool.DiskBytes;

            disk.FailNext();
            var failed = await Assert.ThrowsAsync<StoreUnavailableException>(() => spool.AppendAsync(Push(1)));

            Assert.Contains("could not write", failed.Message, StringComparison.Ordinal);
            Assert.Equal(before, new FileInfo(SingleSegment()).Length);
            Assert.Equal(1, spool.Depth.Pushes);
            await spool.AppendAsync(Push(2));
        }

        await using var reopened = Open();
        Assert.Equal([0, 2], reopened.Read(100).Pushes.Select(Number));
    }

    [Fact]
    public async Task Drained_pushes_are_not_read_again_after_the_spool_is_reopened()
    {
        await using (var spool = Open())
        {
            for (var i = 0; i < 10; i++) await spool.AppendAsync(Push(i));
            spool.MarkDrained(spool.Read(4));
            spool.MarkDrained(spool.Read(3));
            Assert.Equal(3, spool.Depth.Pushes);
            Assert.Equal(7, spool.DrainedPushes);
        }

        await using var reopened = Open();
        Assert.Equal(3, reopened.Depth.Pushes);
        Assert.Equal([7, 8, 9], reopened.Read(100).Pushes.Select(Number));
    }

    [Fact]
    public async Task A_node_stopped_mid_drain_reads_again_only_the_pushes_it_had_not_marked_drained()
    {
        await using (var spool = Open())
        {
            for (var i = 0; i < 10; i++) await spool.AppendAsync(Push(i));
            spool.MarkDrained(spool.Read(4));
            // Written to the store, then the node died before the checkpoint.
            Assert.Equal([4, 5, 6, 7], spool.Read(4).Pushes.Select(Number));
        }

        await using var reopened = Open();
        Assert.Equal([4, 5, 6, 7, 8, 9], reopened.Read(100).Pushes.Select(Number));
    }

    [Fact]
    public async Task Segments_roll_at_their_size_and_are_deleted_once_drained_so_a_full_spool_takes_pushes_again()
    {
        var options = new SpoolOptions { MaxBytes = 64 * 1024, SegmentBytes = 16 * 1024 };
        await using (var spool = Open(options))
        {
            var accepted = 0;
            while (true)
            {
                try
                {
                    await spool.AppendAsync(Push(accepted, items: 1, bodyBytes: 3_000));
                    accepted++;
                }
                catch (StoreUnavailableException)
                {
                    break;
                }
            }
            Assert.True(Segments().Length >= 4, $"{Segments().Length} segments");

            // Drained in batches that end in the middle of segments.
            var drained = new List<int>();
            while (spool.Read(3) is { MovesOn: true } batch)
            {
                drained.AddRange(batch.Pushes.Select(Number));
                spool.MarkDrained(batch);
            }
            Assert.Equal(Enumerable.Range(0, accepted), drained);
            Assert.Single(Segments());

            await spool.AppendAsync(Push(500, items: 1, bodyBytes: 3_000));
            Assert.Equal([500], spool.Read(10).Pushes.Select(Number));
            Assert.Single(Segments());
        }

        await using var reopened = Open(options);
        Assert.Equal([500], reopened.Read(10).Pushes.Select(Number));
    }

    private PushSpool Open(SpoolOptions? options = null, HeldDisk? disk = null, ILogger? logger = null)
    {
        options ??= new SpoolOptions();
        options.Directory = _directory;
        return PushSpool.Open(options, disk ?? new HeldDisk(), logger);
    }

    private async Task<string> SegmentOfFivePushesAsync()
    {
        await using (var spool = Open())
            for (var i = 0; i < 5; i++) await spool.AppendAsync(Push(i));
        return SingleSegment();
    }

    private string[] Segments() => [.. Directory.GetFiles(_directory, "*.segment").Order()];

    private string SingleSegment() => Assert.Single(Segments());

    /// <summary>A push numbered <paramref name="n"/> (its first item's body says so); every sixth carries a flag on its second item.</summary>
    private static List<PushItem> Push(int n, int items = 2, int bodyBytes = 0) =>
        [.. Enumerable.Range(0, items).Select(i => new PushItem(
            $"s-{n}", i == 0 ? "callout" : PushItem.FeeEventType,
            $"{{\"n\":{n},\"i\":{i},\"pad\":\"{new string('x', bodyBytes)}\"}}",
            At.AddSeconds(n), i == 1 && n % 6 == 5 ? "signature did not verify" : null))];

    private static int Number(IReadOnlyList<PushItem> push) => int.Parse(push[0].SessionId[2..], System.Globalization.CultureInfo.InvariantCulture);

    private static int IndexOf(byte[] bytes, byte[] part) => bytes.AsSpan().IndexOf(part);

    private sealed class PushComparer : IEqualityComparer<List<PushItem>>
    {
        public bool Equals(List<PushItem>? x, List<PushItem>? y) => x is not null && y is not null && x.SequenceEqual(y);

        public int GetHashCode(List<PushItem> obj) => obj.Count;
    }

    /// <summary>Counts fsyncs of files (not directories) and can hold the next one until released.</summary>
    private sealed class HeldDisk : SpoolDisk
    {
        private readonly ManualResetEventSlim _release = new(true);
        private int _flushes;
        private volatile bool _holdNext;
        private volatile bool _failNext;

        public ManualResetEventSlim Held { get; } = new(false);

        public int Flushes => Volatile.Read(ref _flushes);

        public void HoldNext()
        {
            _release.Reset();
            _holdNext = true;
        }

        public void Release() => _release.Set();

        /// <summary>The next fsync fails, as on a disk that reports an I/O error.</summary>
        public void FailNext() => _failNext = true;

        public override void Flush(FileStream file)
        {
            Interlocked.Increment(ref _flushes);
            if (_failNext)
            {
                _failNext = false;
                throw new IOException("Input/output error");
            }
            if (_holdNext)
            {
                _holdNext = false;
                Held.Set();
                _release.Wait(TimeSpan.FromSeconds(60));
            }
            base.Flush(file);
        }
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
