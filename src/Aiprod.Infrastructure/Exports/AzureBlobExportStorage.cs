using System.Buffers;
using System.Globalization;
using System.Text;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// Export files as block blobs. An upload stages blocks and commits the block list at the end: until then the blob
/// does not exist for readers (or keeps its previous content), and uncommitted blocks are discarded by the service.
/// The SDK's own write stream is not used on purpose: disposing it commits whatever was staged, so a failed export
/// would leave a half-written blob behind. A service that does not answer (refused, timed out after the SDK's
/// retries, a server error) surfaces as <see cref="StorageUnavailableException"/>, never as the SDK's own exceptions.
/// </summary>
internal sealed class AzureBlobExportStorage(BlobContainerClient container) : IExportStorage
{
    private const int BlockBytes = 8 * 1024 * 1024;

    public static BlobClientOptions ClientOptions(ExportStorageOptions storage)
    {
        var options = new BlobClientOptions();
        options.Retry.NetworkTimeout = storage.AzureNetworkTimeout;
        options.Retry.MaxRetries = storage.AzureMaxRetries;
        options.Retry.Mode = Azure.Core.RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(5);
        return options;
    }

    public Task<IExportUpload> BeginUploadAsync(string fileKey, CancellationToken cancellationToken) =>
        Guarded<IExportUpload>(async () =>
        {
            await EnsureContainerAsync(cancellationToken);
            return new BlockUpload(container.GetBlockBlobClient(fileKey));
        }, cancellationToken);

    public Task<StoredExportFile?> OpenReadAsync(string fileKey, CancellationToken cancellationToken) =>
        Guarded(() => OpenAsync(fileKey, cancellationToken), cancellationToken);

    public Task DeleteAsync(string fileKey, CancellationToken cancellationToken) =>
        Guarded(async () =>
        {
            await EnsureContainerAsync(cancellationToken);
            return await container.GetBlobClient(fileKey).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }, cancellationToken);

    public Task DeleteAllOfAsync(ExportId exportId, CancellationToken cancellationToken) =>
        Guarded(async () =>
        {
            await EnsureContainerAsync(cancellationToken);
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = exportId + "-" }, cancellationToken))
            {
                await container.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }

            return true;
        }, cancellationToken);

    public long? AvailableFreeBytes() => null;

    private static async Task<T> Guarded<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation();
        }
        catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
        {
            throw new StorageUnavailableException("The export storage did not answer.", ex);
        }
    }

    // Connection refused or reset (status 0), a server error, a network timeout (a cancellation nobody asked for),
    // or the SDK giving up after its retries on any of those. A 4xx other than these is a bug, not an outage.
    private static bool IsUnavailable(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => IsUnavailable(e, cancellationToken)),
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// Made before each write (an upload, a run's clean-up, a delete: one call each), never remembered: a service that
    /// was down at the first call, or a container deleted from outside, costs one failed export, not every one until a
    /// restart. Reads need none: a missing container reads as a missing file.
    /// </summary>
    private async Task EnsureContainerAsync(CancellationToken cancellationToken) =>
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    private async Task<StoredExportFile?> OpenAsync(string fileKey, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(fileKey);
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;

            // A seekable stream that reads the blob in ranged GETs, only the ranges asked for; bound to this ETag, so
            // a blob replaced under a download fails it instead of mixing two files.
            var stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false)
            {
                BufferSize = 4 * 1024 * 1024,
                Conditions = new BlobRequestConditions { IfMatch = properties.ETag },
            }, cancellationToken);
            return new StoredExportFile(stream, properties.ContentLength, properties.LastModified);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private sealed class BlockUpload(BlockBlobClient blob) : IExportUpload
    {
        private readonly BlockStream stream = new(blob);

        public Stream Content => stream;

        public Task CommitAsync(CancellationToken cancellationToken) =>
            Guarded(async () =>
            {
                await stream.StagePendingAsync(cancellationToken);
                return await blob.CommitBlockListAsync(stream.BlockIds, new CommitBlockListOptions(), cancellationToken);
            }, cancellationToken);

        public ValueTask DisposeAsync()
        {
            stream.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Buffers writes into blocks and stages each one full; commits nothing itself.</summary>
    private sealed class BlockStream(BlockBlobClient blob) : Stream
    {
        // Unique per upload, so two attempts staging blocks for one blob never take each other's.
        private readonly string prefix = Guid.NewGuid().ToString("N");
        private readonly List<string> blockIds = [];
        private byte[]? buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        private int buffered;
        private long length;

        public IReadOnlyList<string> BlockIds => blockIds;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> source)
        {
            while (!source.IsEmpty)
            {
                var take = Copy(source);
                source = source[take..];
                if (buffered == BlockBytes)
                {
                    StagePendingAsync(CancellationToken.None).GetAwaiter().GetResult();
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            while (!source.IsEmpty)
            {
                var take = Copy(source.Span);
                source = source[take..];
                if (buffered == BlockBytes)
                {
                    await StagePendingAsync(cancellationToken);
                }
            }
        }

        public async Task StagePendingAsync(CancellationToken cancellationToken)
        {
            if (buffered == 0)
            {
                return;
            }

            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(prefix + blockIds.Count.ToString("D8", CultureInfo.InvariantCulture)));
            using (var block = new MemoryStream(buffer!, 0, buffered, writable: false))
            {
                await Guarded(async () => await blob.StageBlockAsync(id, block, new BlockBlobStageBlockOptions(), cancellationToken), cancellationToken);
            }

            blockIds.Add(id);
            buffered = 0;
        }

        public override void Flush()
        {
            // Blocks are staged when full and at the commit; a flush has nothing to make durable before then.
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (buffer is { } rented)
            {
                buffer = null;
                ArrayPool<byte>.Shared.Return(rented);
            }

            base.Dispose(disposing);
        }

        private int Copy(ReadOnlySpan<byte> source)
        {
            ObjectDisposedException.ThrowIf(buffer is null, this);
            var take = Math.Min(source.Length, BlockBytes - buffered);
            source[..take].CopyTo(buffer.AsSpan(buffered));
            buffered += take;
            length += take;
            return take;
        }
    }
}
