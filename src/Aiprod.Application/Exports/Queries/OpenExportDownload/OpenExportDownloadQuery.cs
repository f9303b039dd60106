using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Exports.Queries.OpenExportDownload;

/// <summary>
/// Opens a succeeded export's file for a download (<paramref name="Record"/>: audit it; a HEAD is not a download).
/// Only a succeeded export has a file to serve: the runner commits the file before it marks the export succeeded,
/// so what is served here is always whole.
/// </summary>
public sealed record OpenExportDownloadQuery(UserId OwnerId, ExportId ExportId, bool Record) : IQuery<Result<ExportDownload>>;

public sealed class OpenExportDownloadQueryHandler(IExportJobRepository exports, IExportStorage storage, IAuditLog audit)
    : IQueryHandler<OpenExportDownloadQuery, Result<ExportDownload>>
{
    public async ValueTask<Result<ExportDownload>> Handle(OpenExportDownloadQuery query, CancellationToken cancellationToken)
    {
        var export = await exports.FindOwnedAsync(query.OwnerId, query.ExportId, cancellationToken);
        if (export is null)
        {
            return ExportJobErrors.NotFound;
        }

        if (export.Status == ExportStatus.Expired)
        {
            return ExportJobErrors.Expired;
        }

        if (export.Status != ExportStatus.Succeeded || export.FileKey is null || export.Sha256 is null)
        {
            return ExportJobErrors.NotReady(export.Status);
        }

        // Succeeded but its file is gone: deleted by a retention round whose commit failed, or by hand.
        if (await storage.OpenReadAsync(export.FileKey, cancellationToken) is not { } file)
        {
            return ExportJobErrors.Expired;
        }

        if (query.Record)
        {
            audit.Record(new AuditEntry(AuditEventTypes.ExportDownloaded, AuditOutcome.Success, Target: export.Id.ToString(),
                Details: new Dictionary<string, object?> { ["sha256"] = export.Sha256, ["size_bytes"] = export.SizeBytes }));
        }

        return new ExportDownload(file.Content, file.Length, ExportFileNames.DownloadName(export.Id, export.Format),
            ExportFileNames.MediaType(export.Format), export.Sha256, file.LastModified);
    }
}
