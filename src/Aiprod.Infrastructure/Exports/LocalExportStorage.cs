using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// Export files in a folder. An upload writes <c>.partial/&lt;key&gt;.&lt;random&gt;</c> and commits by renaming it to
/// its key in the same file system, which is atomic: a reader finds either no file or the whole one.
/// </summary>
internal sealed class LocalExportStorage : IExportStorage
{
    private const string PartialFolder = ".partial";

    public LocalExportStorage(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(System.IO.Path.Combine(Folder, PartialFolder));
    }

    public string Folder { get; }

    public Task<IExportUpload> BeginUploadAsync(string fileKey, CancellationToken cancellationToken)
    {
        var final = PathOf(fileKey);
        var partial = System.IO.Path.Combine(Folder, PartialFolder, $"{fileKey}.{Guid.NewGuid():N}");
        var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        return Task.FromResult<IExportUpload>(new Upload(stream, partial, final));
    }

    public Task<StoredExportFile?> OpenReadAsync(string fileKey, CancellationToken cancellationToken)
    {
        try
        {
            // FileShare.Delete: a retention round or a DELETE may remove the file while it is being downloaded; the
            // download in progress keeps reading what it opened.
            var stream = new FileStream(PathOf(fileKey), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
            return Task.FromResult<StoredExportFile?>(new StoredExportFile(stream, stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle)));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<StoredExportFile?>(null);
        }
    }

    public Task DeleteAsync(string fileKey, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(fileKey));
        return Task.CompletedTask;
    }

    public Task DeleteAllOfAsync(ExportId exportId, CancellationToken cancellationToken)
    {
        foreach (var folder in new[] { Folder, System.IO.Path.Combine(Folder, PartialFolder) })
        {
            foreach (var file in Directory.EnumerateFiles(folder, $"{exportId}-*"))
            {
                File.Delete(file);
            }
        }

        return Task.CompletedTask;
    }

    public long? AvailableFreeBytes() => new DriveInfo(Folder).AvailableFreeSpace;

    private string PathOf(string fileKey)
    {
        // Keys are made by the runner (id, attempt, extension), never by a caller; refuse anything that is not one name.
        if (fileKey.Length == 0 || System.IO.Path.GetFileName(fileKey) != fileKey || fileKey.StartsWith('.'))
        {
            throw new ArgumentException("An export file key is a plain file name.", nameof(fileKey));
        }

        return System.IO.Path.Combine(Folder, fileKey);
    }

    private sealed class Upload(FileStream stream, string partial, string final) : IExportUpload
    {
        private bool committed;

        public Stream Content => stream;

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            // On disk before it has a name: a crash after the rename must not leave a named file with missing bytes.
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync();
            File.Move(partial, final, overwrite: true);
            committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync();
            if (!committed)
            {
                File.Delete(partial);
            }
        }
    }
}
