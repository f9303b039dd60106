using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Exports;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Commands.CompleteExport;

/// <summary>
/// The runner of <paramref name="Attempt"/> committed its file under <paramref name="FileKey"/>. False when the export
/// was cancelled, deleted or taken over meanwhile: the runner then deletes the file it committed.
/// </summary>
public sealed record CompleteExportCommand(ExportId ExportId, int Attempt, string FileKey, long SizeBytes, string Sha256, int JobsWritten)
    : ICommand<bool>, IRetryOnConflict;

public sealed class CompleteExportCommandHandler(IExportJobRepository exports, IAuditLog audit, IOptions<ExportOptions> options, TimeProvider clock)
    : ICommandHandler<CompleteExportCommand, bool>
{
    public async ValueTask<bool> Handle(CompleteExportCommand command, CancellationToken cancellationToken)
    {
        var export = await exports.FindAsync(command.ExportId, cancellationToken);
        if (export is null
            || !export.Succeed(command.Attempt, command.FileKey, command.SizeBytes, command.Sha256, command.JobsWritten, clock.GetUtcNow(), options.Value.Retention).IsSuccess)
        {
            return false;
        }

        audit.Record(new AuditEntry(AuditEventTypes.ExportCreated, AuditOutcome.Success, Target: export.Id.ToString(),
            Details: new Dictionary<string, object?> { ["sha256"] = export.Sha256, ["size_bytes"] = export.SizeBytes, ["jobs"] = export.JobsWritten, ["owner_id"] = export.OwnerId.ToString() },
            ActorKind: ActorKind.System));
        return true;
    }
}
