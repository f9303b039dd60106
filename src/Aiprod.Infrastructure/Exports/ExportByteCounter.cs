using Aiprod.Application.Abstractions;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// The export's destination as the writers see it: counts what passes and refuses the write that would take the
/// export past its limit, before any of it reaches the destination, so a file never holds more than the limit.
/// Synchronous writes pass through as they are, so a host that forbids them (Kestrel) still catches any.
/// </summary>
internal sealed class ExportByteCounter(Stream destination, long? maxBytes) : Stream
{
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Admit(buffer.Length);
        destination.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Admit(buffer.Length);
        await destination.WriteAsync(buffer, cancellationToken);
        BytesWritten += buffer.Length;
    }

    public override void Flush() => destination.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => destination.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Admit(int count)
    {
        if (maxBytes is { } max && BytesWritten + count > max)
        {
            throw new ExportSizeLimitExceededException(max);
        }
    }
}
