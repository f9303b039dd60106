using Aiprod.Domain.Exports;

namespace Aiprod.Application.Abstractions;

/// <summary>
/// Where export files live (a local folder, Azure Blob Storage). A file is written through an
/// <see cref="IExportUpload"/> and becomes readable under its key only when the upload commits, whole: a reader never
/// sees a half-written file.
/// </summary>
public interface IExportStorage
{
    /// <summary>Starts writing <paramref name="fileKey"/>; nothing is readable under the key until the upload commits.</summary>
    Task<IExportUpload> BeginUploadAsync(string fileKey, CancellationToken cancellationToken);

    /// <summary>The committed file, as a seekable stream (ranges are read from it); null when there is none.</summary>
    Task<StoredExportFile?> OpenReadAsync(string fileKey, CancellationToken cancellationToken);

    /// <summary>Deletes the committed file; nothing when there is none.</summary>
    Task DeleteAsync(string fileKey, CancellationToken cancellationToken);

    /// <summary>Deletes everything an earlier attempt of the export left: committed files and partial uploads.</summary>
    Task DeleteAllOfAsync(ExportId exportId, CancellationToken cancellationToken);

    /// <summary>Free bytes where files are written, for the free-space floor; null where the storage has no such limit.</summary>
    long? AvailableFreeBytes();
}

/// <summary>A file being written. Disposing it without <see cref="CommitAsync"/> removes what was written.</summary>
public interface IExportUpload : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>Makes the bytes written to <see cref="Content"/> readable under the key, all at once.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>A committed export file opened for reading.</summary>
public sealed record StoredExportFile(Stream Content, long Length, DateTimeOffset LastModified);
