using Aiprod.Domain.Exports;

namespace Aiprod.Application.Abstractions;

/// <summary>
/// Writes the export of one owner's selection of jobs in one format to a stream, reading the jobs in batches so
/// that memory does not grow with the size of the selection. Used by the direct export routes and by the
/// background service that runs <c>ExportJob</c>s.
/// </summary>
public interface IJobExporter
{
    /// <summary>How many jobs the selection holds now.</summary>
    Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the selection to <paramref name="destination"/>. Throws <see cref="ExportSizeLimitExceededException"/>
    /// as soon as more than <see cref="ExportWriteOptions.MaxBytes"/> have been written.
    /// </summary>
    Task<ExportWriteResult> WriteAsync(
        ExportSelection selection,
        ExportFormat format,
        ExportWriteOptions options,
        Stream destination,
        IProgress<ExportProgress>? progress,
        CancellationToken cancellationToken);
}
