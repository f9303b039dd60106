using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Exports.Commands.DeleteExport;

/// <summary>
/// Deletes an export and its file, in any state; a running one's runner finds it gone at its next look and stops.
/// The file goes first: a commit that then fails leaves an export without its file (answered 410), never a file
/// that no export points to.
/// </summary>
public sealed record DeleteExportCommand(UserId OwnerId, ExportId ExportId) : ICommand<Result<Done>>, IRetryOnConflict;

public sealed class DeleteExportCommandHandler(IExportJobRepository exports, IExportStorage storage, IAuditLog audit)
    : ICommandHandler<DeleteExportCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(DeleteExportCommand command, CancellationToken cancellationToken)
    {
        var export = await exports.FindOwnedAsync(command.OwnerId, command.ExportId, cancellationToken);
        if (export is null)
        {
            return ExportJobErrors.NotFound;
        }

        if (export.FileKey is { } fileKey)
        {
            await storage.DeleteAsync(fileKey, cancellationToken);
        }

        exports.Remove(export);
        audit.Record(new AuditEntry(AuditEventTypes.ExportDeleted, AuditOutcome.Success, Target: export.Id.ToString(),
            Details: new Dictionary<string, object?> { ["status"] = export.Status.ToString(), ["sha256"] = export.Sha256, ["size_bytes"] = export.SizeBytes }));
        return Done.Value;
    }
}
