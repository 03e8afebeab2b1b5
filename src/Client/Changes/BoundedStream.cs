namespace CallGrains.Client;

/// <summary>
/// A read-only view of a stream that fails once more than <c>limit</c> bytes pass without a blank line (the end of a
/// server-sent event), so a misbehaving server cannot make the parser buffer without bound.
/// </summary>
internal sealed class BoundedStream(Stream inner, int limit) : Stream
{
    private int _sinceEventEnd;
    private byte _previous;

    public sealed class TooLongException() : IOException("A server-sent event exceeded the size limit.");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Count(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        foreach (var b in read)
        {
            // "\n\n" ends an event (a "\r" before each "\n" does not matter here).
            _sinceEventEnd = b == '\n' && _previous == '\n' ? 0 : _sinceEventEnd + 1;
            if (b != '\r') _previous = b;
            if (_sinceEventEnd > limit) throw new TooLongException();
        }
        return read.Length;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
