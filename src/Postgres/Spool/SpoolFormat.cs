using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Hashing;
using System.Text;
using CallGrains.Domain.Pushes;
using Microsoft.Win32.SafeHandles;

namespace CallGrains.Postgres.Spool;

/// <summary>
/// The spool's bytes. A segment is a header (<see cref="SegmentHeader"/>: a name and the format's version) followed by
/// frames; a frame is a marker, the payload's length, a CRC-32 over length and payload, and the payload: one spooled
/// push (its items, version-tagged). Everything is little-endian. The marker lets a reader find the next whole frame
/// after a damaged one; the checksum tells a whole frame from a torn or damaged one.
/// </summary>
internal static class SpoolFormat
{
    /// <summary>"CGSPOOL" and the format version: a segment of another version is refused, never misread.</summary>
    public static ReadOnlySpan<byte> SegmentHeader => [(byte)'C', (byte)'G', (byte)'S', (byte)'P', (byte)'O', (byte)'O', (byte)'L', 1];

    public const int HeaderLength = 8;

    /// <summary>Marker, length, checksum.</summary>
    public const int FrameOverhead = 12;

    /// <summary>
    /// The largest payload a frame may claim. Pushes are far smaller (the API bounds bodies), so a larger length is
    /// damage, and a reader never allocates what a damaged length says.
    /// </summary>
    public const int MaxPayload = 64 * 1024 * 1024;

    /// <summary>Items one spooled push may hold (a fee push carries at most 50 CDRs).</summary>
    public const int MaxItems = 10_000;

    // 0xF5 never occurs in UTF-8, so no push body contains the marker; binary fields may, and the checksum tells.
    private static ReadOnlySpan<byte> FrameMarker => [0xF5, (byte)'C', (byte)'G', (byte)'R'];

    private const byte PushVersion = 1;

    /// <summary>The whole frame of one push's items, ready to be written.</summary>
    public static byte[] Frame(IReadOnlyList<PushItem> items)
    {
        using var buffer = new MemoryStream();
        buffer.Write(stackalloc byte[FrameOverhead]);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(PushVersion);
            writer.Write7BitEncodedInt(items.Count);
            foreach (var item in items)
            {
                writer.Write(item.SessionId);
                writer.Write(item.EventType);
                writer.Write(item.Body);
                writer.Write(item.ReceivedAt.UtcTicks);
                writer.Write((short)item.ReceivedAt.Offset.TotalMinutes);
                writer.Write(item.Flag is not null);
                if (item.Flag is not null) writer.Write(item.Flag);
            }
        }

        var frame = buffer.ToArray();
        var length = frame.Length - FrameOverhead;
        if (length > MaxPayload) throw new ArgumentException($"A push of {length} bytes is larger than a spool frame may be.", nameof(items));
        FrameMarker.CopyTo(frame);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8), Checksum(frame.AsSpan(4, 4), frame.AsSpan(FrameOverhead)));
        return frame;
    }

    /// <summary>The items of a payload whose checksum matched.</summary>
    /// <exception cref="InvalidDataException">The payload is of a version this build does not know, or malformed.</exception>
    public static IReadOnlyList<PushItem> Items(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
        try
        {
            var version = reader.ReadByte();
            if (version != PushVersion) throw new InvalidDataException($"A spooled push of version {version}; this build reads version {PushVersion}.");
            var count = reader.Read7BitEncodedInt();
            if (count is < 1 or > MaxItems) throw new InvalidDataException($"A spooled push of {count} items.");
            var items = new PushItem[count];
            for (var i = 0; i < count; i++)
            {
                var sessionId = reader.ReadString();
                var eventType = reader.ReadString();
                var body = reader.ReadString();
                var utcTicks = reader.ReadInt64();
                var offset = TimeSpan.FromMinutes(reader.ReadInt16());
                var flag = reader.ReadBoolean() ? reader.ReadString() : null;
                items[i] = new PushItem(sessionId, eventType, body, new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(offset), flag);
            }
            if (reader.BaseStream.Position != payload.Length) throw new InvalidDataException("A spooled push with bytes after its last item.");
            return items;
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentOutOfRangeException or FormatException)
        {
            throw new InvalidDataException("A spooled push that does not read as one.", ex);
        }
    }

    /// <summary>
    /// The frames between <paramref name="from"/> and <paramref name="end"/> in order: each whole frame, and each
    /// range that holds none (torn or damaged bytes, up to the next whole frame or to the end).
    /// </summary>
    public static IEnumerable<ScannedFrame> Scan(SafeFileHandle file, long from, long end)
    {
        var position = from;
        while (position < end)
        {
            if (TryReadFrame(file, position, end, out var payload))
            {
                var next = position + FrameOverhead + payload.Length;
                yield return new ScannedFrame(position, next, payload);
                position = next;
                continue;
            }
            var resume = NextFrame(file, position + 1, end);
            yield return new ScannedFrame(position, resume, null);
            position = resume;
        }
    }

    public static bool HasHeader(SafeFileHandle file)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        return ReadFully(file, header, 0) == HeaderLength && header.SequenceEqual(SegmentHeader);
    }

    private static bool TryReadFrame(SafeFileHandle file, long position, long end, [NotNullWhen(true)] out byte[]? payload)
    {
        payload = null;
        if (end - position < FrameOverhead) return false;
        Span<byte> head = stackalloc byte[FrameOverhead];
        if (ReadFully(file, head, position) < FrameOverhead || !head[..4].SequenceEqual(FrameMarker)) return false;
        var length = BinaryPrimitives.ReadInt32LittleEndian(head[4..]);
        if (length <= 0 || length > MaxPayload || length > end - position - FrameOverhead) return false;
        var body = new byte[length];
        if (ReadFully(file, body, position + FrameOverhead) < length) return false;
        if (Checksum(head[4..8], body) != BinaryPrimitives.ReadUInt32LittleEndian(head[8..])) return false;
        payload = body;
        return true;
    }

    /// <summary>Where the next whole frame at or after <paramref name="from"/> starts; <paramref name="end"/> when none does.</summary>
    private static long NextFrame(SafeFileHandle file, long from, long end)
    {
        var window = new byte[64 * 1024];
        var position = from;
        while (end - position >= FrameOverhead)
        {
            var count = ReadFully(file, window.AsSpan(0, (int)Math.Min(window.Length, end - position)), position);
            var seen = 0;
            int hit;
            while ((hit = window.AsSpan(seen, count - seen).IndexOf(FrameMarker)) >= 0)
            {
                var candidate = position + seen + hit;
                if (TryReadFrame(file, candidate, end, out _)) return candidate;
                seen += hit + 1;
            }
            if (position + count >= end || count < FrameMarker.Length) break;
            // A marker may straddle the window's edge: the next window overlaps this one by a marker less a byte.
            position += count - (FrameMarker.Length - 1);
        }
        return end;
    }

    private static uint Checksum(ReadOnlySpan<byte> length, ReadOnlySpan<byte> payload)
    {
        var crc = new Crc32();
        crc.Append(length);
        crc.Append(payload);
        return crc.GetCurrentHashAsUInt32();
    }

    private static int ReadFully(SafeFileHandle file, Span<byte> buffer, long position)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(file, buffer[total..], position + total);
            if (read == 0) break;
            total += read;
        }
        return total;
    }
}

/// <summary>A whole frame (<see cref="Payload"/> set) or a range of bytes that holds none (null).</summary>
internal readonly record struct ScannedFrame(long Start, long End, byte[]? Payload);
