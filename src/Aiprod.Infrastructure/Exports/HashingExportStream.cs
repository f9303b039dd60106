using System.Security.Cryptography;
using Aiprod.Application.Abstractions;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// Passes an export's bytes to the upload while it hashes them (SHA-256, the download's ETag), counts them, stops the
/// export once it passes the size limit, and looks at the free space every few megabytes (the floor).
/// </summary>
internal sealed class HashingExportStream(Stream inner, long maxBytes, Func<long?> freeBytes, long minFreeBytes) : Stream
{
    private const long FreeSpaceCheckEvery = 16L * 1024 * 1024;

    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long written;
    private long nextFreeSpaceCheck = FreeSpaceCheckEvery;

    public long Written => written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => written;

    public override long Position { get => written; set => throw new NotSupportedException(); }

    /// <summary>The SHA-256 of every byte written, lower-case hex.</summary>
    public string Sha256Hex() => Convert.ToHexStringLower(hash.GetCurrentHash());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Count(buffer);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Count(ReadOnlySpan<byte> buffer)
    {
        // Checked before the bytes go out: the file never holds more than the limit, whatever the exporter checks itself.
        if (written + buffer.Length > maxBytes)
        {
            throw new ExportSizeLimitExceededException(maxBytes);
        }

        hash.AppendData(buffer);
        written += buffer.Length;
        if (written >= nextFreeSpaceCheck)
        {
            nextFreeSpaceCheck = written + FreeSpaceCheckEvery;
            if (freeBytes() is { } free && free < minFreeBytes)
            {
                throw new InsufficientExportStorageException(free, minFreeBytes);
            }
        }
    }
}

/// <summary>The storage has less free space than the configured floor.</summary>
internal sealed class InsufficientExportStorageException(long freeBytes, long minFreeBytes)
    : Exception($"The export storage has {freeBytes} bytes free, under the floor of {minFreeBytes}.");
