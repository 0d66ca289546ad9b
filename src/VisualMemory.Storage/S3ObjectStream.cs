using Amazon.S3.Model;

namespace VisualMemory.Storage;

/// <summary>
/// The body of one S3 GET, read as it arrives: the response (and its connection) stays open until this
/// stream is disposed. A body that ends before its Content-Length is an <see cref="IOException"/>, not a
/// short object, since a dropped connection must not pass for the end of a dataset part.
/// </summary>
internal sealed class S3ObjectStream(GetObjectResponse response) : Stream
{
    private readonly Stream _body = response.ResponseStream;
    private readonly long _length = response.ContentLength;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("an S3 object stream reads forward only");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _body.Read(buffer);
        return Advanced(read, buffer.Length);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Advanced(read, buffer.Length);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("an S3 object stream reads forward only");

    public override void SetLength(long value) => throw new NotSupportedException("an S3 object stream is read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("an S3 object stream is read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            response.Dispose();
        }
        base.Dispose(disposing);
    }

    private int Advanced(int read, int asked)
    {
        if (read == 0 && asked > 0 && _position < _length)
        {
            throw new IOException($"the object's body ended after {_position} of {_length} bytes");
        }
        _position += read;
        return read;
    }
}
