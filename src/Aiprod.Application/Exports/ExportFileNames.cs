using Aiprod.Domain.Exports;

namespace Aiprod.Application.Exports;

/// <summary>How an export's file is named and served.</summary>
public static class ExportFileNames
{
    public static string Extension(ExportFormat format) => ExportFormats.Of(format).Extension.TrimStart('.');

    public static string MediaType(ExportFormat format) => ExportFormats.Of(format).MediaType;

    /// <summary>
    /// The key of one attempt's file: each attempt writes its own, so a runner that lost its lease and removes what it
    /// wrote can never remove the file of the attempt that replaced it. Starts with the export id (see
    /// <see cref="Abstractions.IExportStorage.DeleteAllOfAsync"/>).
    /// </summary>
    public static string FileKey(ExportId id, int attempt, ExportFormat format) => $"{id}-{attempt}.{Extension(format)}";

    /// <summary>The name a download is saved as: only the id and the extension, nothing a caller chose.</summary>
    public static string DownloadName(ExportId id, ExportFormat format) => $"aiprod-export-{id}.{Extension(format)}";
}
