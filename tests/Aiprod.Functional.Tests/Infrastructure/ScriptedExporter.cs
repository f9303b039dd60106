using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>
/// Stands in for the real writers where a test must hold an export in the middle of writing it (cancel, a dead
/// instance, two instances, the per-user cap): it writes <see cref="Chunks"/> chunks of known bytes, reports its
/// progress after each, and, with a <see cref="Gate"/>, waits for the test to release each chunk after the first.
/// The runner, the storage and the database around it are the real ones.
/// </summary>
public sealed class ScriptedExporter : IJobExporter
{
    public int Chunks { get; init; } = 4;

    public int ChunkBytes { get; init; } = 1024;

    /// <summary>When set, every chunk after the first waits for one release.</summary>
    public SemaphoreSlim? Gate { get; init; }

    /// <summary>How many writes have started.</summary>
    public int Started => Volatile.Read(ref started);

    /// <summary>Set once any write wrote its first chunk.</summary>
    public TaskCompletionSource FirstChunkWritten { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when a write saw its cancellation token fire.</summary>
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int started;

    /// <summary>The bytes a complete export holds.</summary>
    public byte[] Expected() => [.. Enumerable.Range(0, Chunks).SelectMany(Chunk)];

    public Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken) => Task.FromResult(Chunks);

    public async Task<ExportWriteResult> WriteAsync(ExportSelection selection, ExportFormat format, ExportWriteOptions options, Stream destination, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref started);
        long written = 0;
        try
        {
            for (var i = 0; i < Chunks; i++)
            {
                if (i > 0 && Gate is not null)
                {
                    await Gate.WaitAsync(cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                var chunk = Chunk(i);
                await destination.WriteAsync(chunk, cancellationToken);
                written += chunk.Length;
                progress?.Report(new ExportProgress(i + 1, Chunks, written));
                if (i == 0)
                {
                    FirstChunkWritten.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
            Cancelled.TrySetResult();
            throw;
        }

        return new ExportWriteResult(Chunks, written);
    }

    private byte[] Chunk(int index) => [.. Enumerable.Range(0, ChunkBytes).Select(b => (byte)('a' + ((index + b) % 26)))];
}
