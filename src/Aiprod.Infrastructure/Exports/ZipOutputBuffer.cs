using System.Buffers;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// Sits between <see cref="System.IO.Compression.ZipArchive"/> and the export's destination. The archive's async API
/// still closes an entry synchronously (the entry stream has no DisposeAsync of its own, so the deflater's last block
/// is written with Write): those writes are kept here, in memory, and leave with the next asynchronous write or
/// <see cref="DrainAsync"/>. So nothing reaches the destination synchronously, and what waits here is at most one
/// entry's tail.
/// </summary>
internal sealed class ZipOutputBuffer(Stream destination) : Stream
{
    private readonly ArrayBufferWriter<byte> pending = new();

    private long position;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        pending.Write(buffer);
        position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await DrainAsync(cancellationToken);
        await destination.WriteAsync(buffer, cancellationToken);
        position += buffer.Length;
    }

    /// <summary>Sends what synchronous writes left here.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (pending.WrittenCount > 0)
        {
            await destination.WriteAsync(pending.WrittenMemory, cancellationToken);
            pending.ResetWrittenCount();
        }
    }

    public override void Flush()
    {
        // Nothing to do synchronously: pending bytes leave with the next asynchronous call.
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        await destination.FlushAsync(cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
