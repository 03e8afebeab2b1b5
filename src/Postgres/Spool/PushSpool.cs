using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Threading.Channels;
using CallGrains.Domain.Pushes;
using CallGrains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace CallGrains.Postgres.Spool;

/// <summary>
/// The node's push spool: where a push the database cannot take is made durable on local disk, so that it can still
/// be acknowledged, and from where it is drained into the store, in arrival order, when the database is back (also
/// after a restart: opening a directory finds what was not drained).
/// <para>
/// Appends are group-committed like the journal's: concurrent appends share one write and one fsync, and each
/// completes only after that fsync. Files: numbered segments (appended to at the newest, a new one at
/// <see cref="SpoolOptions.SegmentBytes"/>, deleted once drained) and a checkpoint holding the drained position,
/// replaced atomically. One drainer at a time: <see cref="Read"/> always reads from the checkpoint, so a drainer that
/// fails (or a node killed) before <see cref="MarkDrained"/> reads the same pushes again, which the journal takes as
/// duplicates.
/// </para>
/// </summary>
public sealed partial class PushSpool : ISpoolStatus, IAsyncDisposable
{
    private const string SegmentSuffix = ".segment";
    private const string CheckpointFile = "drained.checkpoint";
    private const int MaxGroup = 1024;

    // A group is written in one call; a buffer of FileStream's own could keep part of a failed write and put it out later.
    private const int Unbuffered = 0;

    // "CGDRAIN" and the format version, then segment and offset, then a CRC-32 over both.
    private static ReadOnlySpan<byte> CheckpointHeader => [(byte)'C', (byte)'G', (byte)'D', (byte)'R', (byte)'A', (byte)'I', (byte)'N', 1];
    private const int CheckpointLength = 8 + 16 + 4;

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly int _maxQueued;
    private readonly SpoolDisk _disk;
    private readonly ILogger _logger;
    private readonly Channel<PendingPush> _queue;
    private readonly Task _writer;

    // Everything below is guarded by _gate. Only the writer loop writes segment data, outside the lock.
    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private SpoolPosition _drained;
    private long _pushes;
    private long _pushBytes;
    private long _diskBytes;
    private long _drainedPushes;
    private long _refused;
    private FileStream _newest = null!;
    private bool _rollBeforeNextGroup;
    private volatile bool _full;
    private volatile bool _closing;

    private PushSpool(SpoolOptions options, SpoolDisk disk, ILogger logger)
    {
        _directory = Path.GetFullPath(options.Directory ?? throw new ArgumentException("The spool needs a directory.", nameof(options)));
        _maxBytes = options.MaxBytes;
        _segmentBytes = Math.Min(options.SegmentBytes, options.MaxBytes);
        _maxQueued = options.MaxQueued;
        _disk = disk;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingPush>(new BoundedChannelOptions(options.MaxQueued)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Recover();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Opens the spool in <see cref="SpoolOptions.Directory"/> (created if missing) and finds what it holds: a torn
    /// last write is cut off, damaged bytes elsewhere are reported and passed over.
    /// </summary>
    /// <exception cref="InvalidDataException">A file in the directory is of a spool format this build does not read.</exception>
    public static PushSpool Open(SpoolOptions options, ILogger<PushSpool>? logger = null) =>
        new(options, new SpoolDisk(), logger ?? NullLogger<PushSpool>.Instance);

    internal static PushSpool Open(SpoolOptions options, SpoolDisk disk, ILogger? logger = null) =>
        new(options, disk, logger ?? NullLogger.Instance);

    /// <summary>Pushes and bytes appended and not drained yet.</summary>
    public SpoolDepth Depth
    {
        get { lock (_gate) return new SpoolDepth(_pushes, _pushBytes); }
    }

    /// <summary>Whether the spool holds pushes that are not in the store yet: the node is "spooling".</summary>
    public bool IsSpooling => Depth.Pushes > 0;

    /// <summary>Whether the last push that did not fit was refused after the last one written and before space came back.</summary>
    public bool IsFull => _full;

    /// <summary>What the spool's files take on disk: what <see cref="SpoolOptions.MaxBytes"/> bounds.</summary>
    public long DiskBytes
    {
        get { lock (_gate) return _diskBytes; }
    }

    /// <summary>Pushes marked drained since the spool was opened.</summary>
    public long DrainedPushes => Interlocked.Read(ref _drainedPushes);

    /// <summary>Pushes refused since the spool was opened (full, or too many waiting).</summary>
    public long RefusedPushes => Interlocked.Read(ref _refused);

    /// <summary>
    /// Makes one push's items durable: completes once they are fsynced together with whatever else was appended
    /// meanwhile. A push is written whole or not at all.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The spool is full, too far behind, closing, or could not write;
    /// nothing of the push is in it.</exception>
    public Task AppendAsync(IReadOnlyList<PushItem> items)
    {
        if (items.Count is 0 or > SpoolFormat.MaxItems)
            throw new ArgumentException($"A spooled push holds 1 to {SpoolFormat.MaxItems} items.", nameof(items));
        var frame = SpoolFormat.Frame(items);
        if (frame.Length > _maxBytes - SpoolFormat.HeaderLength) return Task.FromException(Refuse(Full()));
        var pending = new PendingPush(frame);
        if (!_queue.Writer.TryWrite(pending))
            return Task.FromException(Refuse(_closing
                ? new StoreUnavailableException("The push spool is closing.")
                : new StoreUnavailableException($"The push spool has {_maxQueued} pushes waiting for its disk.")));
        return pending.Written.Task;
    }

    /// <summary>
    /// Up to <paramref name="maxPushes"/> pushes after the drained position, in arrival order. Reads the same pushes
    /// again until they are marked drained.
    /// </summary>
    public SpoolBatch Read(int maxPushes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPushes, 1);
        SpoolPosition start;
        List<(string Path, long Number, long From, long End)> segments;
        lock (_gate)
        {
            start = _drained;
            segments = [.. _segments
                .Where(s => s.Number >= start.Segment)
                .Select(s => (s.Path, s.Number, s.Number == start.Segment ? start.Offset : SpoolFormat.HeaderLength, s.Length))];
        }

        var pushes = new List<IReadOnlyList<PushItem>>();
        var end = start;
        long bytes = 0;
        var skipped = 0;
        foreach (var segment in segments)
        {
            if (pushes.Count == maxPushes) break;
            using var file = OpenForReading(segment.Path);
            end = new SpoolPosition(segment.Number, segment.From);
            foreach (var frame in SpoolFormat.Scan(file, segment.From, segment.End))
            {
                if (frame.Payload is { } payload)
                {
                    pushes.Add(SpoolFormat.Items(payload));
                    bytes += frame.End - frame.Start;
                }
                else
                {
                    skipped++;
                }
                end = new SpoolPosition(segment.Number, frame.End);
                if (pushes.Count == maxPushes) break;
            }
        }
        return new SpoolBatch(pushes, start, end, bytes, skipped);
    }

    /// <summary>
    /// Records durably (an fsynced checkpoint) that <paramref name="batch"/> is in the store, and deletes segments
    /// nothing undrained is left in.
    /// </summary>
    /// <exception cref="InvalidOperationException">The batch does not start at the drained position (read before another was marked).</exception>
    public void MarkDrained(SpoolBatch batch)
    {
        // An empty batch changes nothing (and its start may be gone: the writer deletes a drained segment on its own).
        if (!batch.MovesOn) return;
        lock (_gate)
        {
            if (batch.Start != _drained)
                throw new InvalidOperationException($"The batch starts at {batch.Start}, the spool is drained up to {_drained}.");
        }
        WriteCheckpoint(batch.End);
        lock (_gate)
        {
            _drained = batch.End;
            _pushes -= batch.Pushes.Count;
            _pushBytes -= batch.Bytes;
            DeleteDrainedSegments();
        }
        Interlocked.Add(ref _drainedPushes, batch.Pushes.Count);
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        _queue.Writer.TryComplete();
        await _writer;
        await _newest.DisposeAsync();
    }

    private StoreUnavailableException Full() =>
        new($"The push spool is full ({_maxBytes} bytes, CallGrains:Spool:MaxBytes) while the database is away.");

    private StoreUnavailableException Refuse(StoreUnavailableException reason)
    {
        Interlocked.Increment(ref _refused);
        return reason;
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<PendingPush>(MaxGroup);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && reader.TryRead(out var pending)) group.Add(pending);
            if (group.Count > 0) WriteGroup(group);
        }
    }

    /// <summary>One write and one fsync for every push of the group that fits; the others are refused whole.</summary>
    private void WriteGroup(List<PendingPush> group)
    {
        var accepted = new List<PendingPush>(group.Count);
        long groupStart;
        try
        {
            lock (_gate)
            {
                var newest = _segments[^1];
                var drainedAll = _drained == new SpoolPosition(newest.Number, newest.Length);
                // Roll at the size, and also when all is drained, so the old segment's space comes back at once.
                if (newest.Length > SpoolFormat.HeaderLength && (newest.Length >= _segmentBytes || drainedAll || _rollBeforeNextGroup))
                    Roll();
                long size = 0;
                foreach (var pending in group)
                {
                    if (_diskBytes + size + pending.Frame.Length <= _maxBytes)
                    {
                        accepted.Add(pending);
                        size += pending.Frame.Length;
                    }
                    else
                    {
                        _full = true;
                        pending.Written.TrySetException(Refuse(Full()));
                    }
                }
                groupStart = _segments[^1].Length;
            }
        }
        catch (Exception ex)
        {
            LogWriteFailed(_logger, ex, _directory);
            foreach (var pending in group) pending.Written.TrySetException(Refuse(new StoreUnavailableException("The push spool could not start a segment.", ex)));
            return;
        }
        if (accepted.Count == 0) return;

        var buffer = new byte[accepted.Sum(p => p.Frame.Length)];
        var offset = 0;
        foreach (var pending in accepted)
        {
            pending.Frame.CopyTo(buffer, offset);
            offset += pending.Frame.Length;
        }
        try
        {
            _newest.Write(buffer);
            _disk.Flush(_newest);
        }
        catch (Exception ex)
        {
            LogWriteFailed(_logger, ex, _directory);
            ForgetPartialWrite(groupStart);
            foreach (var pending in accepted) pending.Written.TrySetException(Refuse(new StoreUnavailableException("The push spool could not write to its disk.", ex)));
            return;
        }

        lock (_gate)
        {
            _segments[^1].Length += buffer.Length;
            _diskBytes += buffer.Length;
            _pushes += accepted.Count;
            _pushBytes += buffer.Length;
            if (accepted.Count == group.Count) _full = false;
        }
        foreach (var pending in accepted) pending.Written.TrySetResult();
    }

    /// <summary>
    /// Cuts a failed write off, so that no push that was refused is drained later; if even that fails, the next
    /// group goes to a new segment and the bytes are read past as damage when the spool is opened again.
    /// </summary>
    private void ForgetPartialWrite(long groupStart)
    {
        try
        {
            _newest.SetLength(groupStart);
            _newest.Position = groupStart;
            _disk.Flush(_newest);
        }
        catch (Exception ex)
        {
            LogWriteFailed(_logger, ex, _directory);
            lock (_gate) _rollBeforeNextGroup = true;
        }
    }

    /// <summary>Starts the next segment (under the lock); the previous one is complete and fsynced.</summary>
    private void Roll()
    {
        var number = _segments[^1].Number + 1;
        var next = CreateSegment(number);
        _newest.Dispose();
        _newest = next;
        _segments.Add(new Segment(number, SegmentPath(number), SpoolFormat.HeaderLength));
        _diskBytes += SpoolFormat.HeaderLength;
        _rollBeforeNextGroup = false;
        DeleteDrainedSegments();
    }

    private FileStream CreateSegment(long number)
    {
        var file = new FileStream(SegmentPath(number), FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, Unbuffered);
        try
        {
            file.Write(SpoolFormat.SegmentHeader);
            _disk.Flush(file);
            _disk.FlushDirectory(_directory);
            return file;
        }
        catch
        {
            file.Dispose();
            // Else the next roll would find the number taken.
            File.Delete(SegmentPath(number));
            throw;
        }
    }

    /// <summary>Deletes every segment but the newest that holds nothing undrained (under the lock).</summary>
    private void DeleteDrainedSegments()
    {
        var deleted = false;
        while (_segments.Count > 1 && IsDrained(_segments[0]))
        {
            File.Delete(_segments[0].Path);
            _diskBytes -= _segments[0].Length;
            _segments.RemoveAt(0);
            deleted = true;
        }
        if (_segments[0].Number > _drained.Segment) _drained = new SpoolPosition(_segments[0].Number, SpoolFormat.HeaderLength);
        if (!deleted) return;
        _full = false;
        _disk.FlushDirectory(_directory);
    }

    private bool IsDrained(Segment segment) =>
        segment.Number < _drained.Segment || (segment.Number == _drained.Segment && _drained.Offset >= segment.Length);

    private void WriteCheckpoint(SpoolPosition position)
    {
        var bytes = new byte[CheckpointLength];
        CheckpointHeader.CopyTo(bytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), position.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), position.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), Crc32.HashToUInt32(bytes.AsSpan(8, 16)));
        var path = Path.Combine(_directory, CheckpointFile);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            _disk.Flush(file);
        }
        // Replaced by a rename, so a crash leaves the old checkpoint or the new one, never half of one.
        File.Move(temporary, path, overwrite: true);
        _disk.FlushDirectory(_directory);
    }

    private SpoolPosition? ReadCheckpoint()
    {
        var path = Path.Combine(_directory, CheckpointFile);
        if (!File.Exists(path)) return null;
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == CheckpointLength && bytes.AsSpan(0, 8).SequenceEqual(CheckpointHeader)
            && Crc32.HashToUInt32(bytes.AsSpan(8, 16)) == BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)))
            return new SpoolPosition(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)));
        // Written by rename, so this is damage, not a torn write. Draining everything again only repeats pushes
        // the journal takes as duplicates; trusting a damaged position could skip pushes never drained.
        LogCheckpointDamaged(_logger, path);
        return null;
    }

    /// <summary>Finds what the directory holds: the drained position, the segments after it, and their pushes.</summary>
    private void Recover()
    {
        Directory.CreateDirectory(_directory);
        File.Delete(Path.Combine(_directory, CheckpointFile + ".tmp"));
        var checkpoint = ReadCheckpoint();
        var numbers = Directory.EnumerateFiles(_directory, "*" + SegmentSuffix)
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n > 0)
            .Order()
            .ToList();

        foreach (var number in numbers)
        {
            var path = SegmentPath(number);
            if (checkpoint is { } drained && number < drained.Segment)
            {
                // Drained before the node stopped; its deletion had not happened yet.
                File.Delete(path);
                continue;
            }
            var isNewest = number == numbers[^1];
            var length = new FileInfo(path).Length;
            using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
            {
                if (!SpoolFormat.HasHeader(file))
                {
                    if (!(isNewest && length < SpoolFormat.HeaderLength))
                        throw new InvalidDataException($"{path} is not a spool segment this build reads (its header is not CGSPOOL version 1).");
                    // Created, but the node stopped before the header was written: an empty segment.
                    RandomAccess.SetLength(file, 0);
                    RandomAccess.Write(file, SpoolFormat.SegmentHeader, 0);
                    RandomAccess.FlushToDisk(file);
                    length = SpoolFormat.HeaderLength;
                }
                var from = checkpoint is { } c && c.Segment == number ? Math.Clamp(c.Offset, SpoolFormat.HeaderLength, length) : SpoolFormat.HeaderLength;
                length = ScanOnOpen(file, path, from, length, isNewest);
            }
            _segments.Add(new Segment(number, path, length));
            _diskBytes += length;
        }

        if (_segments.Count == 0)
        {
            var first = (checkpoint?.Segment ?? 0) + 1;
            _newest = CreateSegment(first);
            _segments.Add(new Segment(first, SegmentPath(first), SpoolFormat.HeaderLength));
            _diskBytes += SpoolFormat.HeaderLength;
        }
        else
        {
            _newest = new FileStream(_segments[^1].Path, FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete, Unbuffered);
            _newest.Position = _segments[^1].Length;
        }

        _drained = checkpoint is { } at && _segments.Any(s => s.Number == at.Segment)
            ? at with { Offset = Math.Clamp(at.Offset, SpoolFormat.HeaderLength, _segments.First(s => s.Number == at.Segment).Length) }
            : new SpoolPosition(_segments[0].Number, SpoolFormat.HeaderLength);
        DeleteDrainedSegments();
        if (_pushes > 0) LogFound(_logger, _pushes, _pushBytes, _directory);
    }

    /// <summary>
    /// Counts the undrained pushes of one segment and checks that each reads. A damaged range at the very end of the
    /// newest segment is a torn last write: it was never acknowledged, so it is cut off. A damaged range anywhere
    /// else held fsynced, acknowledged pushes: it is reported as an error and read past; the pushes around it stay.
    /// Returns the segment's length after that.
    /// </summary>
    private long ScanOnOpen(SafeFileHandle file, string path, long from, long length, bool isNewest)
    {
        foreach (var frame in SpoolFormat.Scan(file, from, length))
        {
            if (frame.Payload is { } payload)
            {
                SpoolFormat.Items(payload);
                _pushes++;
                _pushBytes += frame.End - frame.Start;
            }
            else if (isNewest && frame.End == length)
            {
                LogTornTail(_logger, path, frame.Start, frame.End - frame.Start);
                RandomAccess.SetLength(file, frame.Start);
                RandomAccess.FlushToDisk(file);
                return frame.Start;
            }
            else
            {
                LogDamaged(_logger, path, frame.Start, frame.End - frame.Start);
            }
        }
        return length;
    }

    private string SegmentPath(long number) =>
        Path.Combine(_directory, number.ToString("D12", CultureInfo.InvariantCulture) + SegmentSuffix);

    private static SafeFileHandle OpenForReading(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <param name="Length">Bytes written and fsynced (the newest segment's file may be longer during a write).</param>
    private sealed class Segment(long number, string path, long length)
    {
        public long Number { get; } = number;
        public string Path { get; } = path;
        public long Length { get; set; } = length;
    }

    private sealed class PendingPush(byte[] frame)
    {
        public byte[] Frame { get; } = frame;

        // Completions run off the writer loop so that an appender's continuation never delays the next fsync.
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The push spool in {Directory} holds {Pushes} pushes ({Bytes} bytes) not yet in the store; they will be drained")]
    private static partial void LogFound(ILogger logger, long pushes, long bytes, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path} ends in a torn write of {Length} bytes at offset {Offset} (never acknowledged); cut off")]
    private static partial void LogTornTail(ILogger logger, string path, long offset, long length);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path} is damaged: {Length} bytes at offset {Offset} do not read as pushes and are passed over; pushes acknowledged from them may be lost")]
    private static partial void LogDamaged(ILogger logger, string path, long offset, long length);

    [LoggerMessage(Level = LogLevel.Error, Message = "The spool checkpoint {Path} is damaged; draining everything the spool holds again (the journal ignores pushes it already has)")]
    private static partial void LogCheckpointDamaged(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The push spool in {Directory} could not write; the pushes of that group were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string directory);
}
