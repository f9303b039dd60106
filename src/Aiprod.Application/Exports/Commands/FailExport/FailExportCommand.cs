using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Exports;
using Mediator;

namespace Aiprod.Application.Exports.Commands.FailExport;

/// <summary>The runner of <paramref name="Attempt"/> could not finish the export; nothing happens when it no longer holds it.</summary>
public sealed record FailExportCommand(ExportId ExportId, int Attempt, ExportFailure Failure, string Message) : ICommand<bool>, IRetryOnConflict;

public sealed class FailExportCommandHandler(IExportJobRepository exports, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<FailExportCommand, bool>
{
    public async ValueTask<bool> Handle(FailExportCommand command, CancellationToken cancellationToken)
    {
        var export = await exports.FindAsync(command.ExportId, cancellationToken);
        if (export is null || !export.Fail(command.Attempt, command.Failure, command.Message, clock.GetUtcNow()).IsSuccess)
        {
            return false;
        }

        audit.Record(new AuditEntry(AuditEventTypes.ExportFailed, AuditOutcome.Failure, Target: export.Id.ToString(),
            Details: new Dictionary<string, object?> { ["error_code"] = export.Failure is { } failure ? EnumNames.Of(failure) : null, ["bytes_written"] = export.BytesWritten, ["owner_id"] = export.OwnerId.ToString() },
            ActorKind: ActorKind.System));
        return true;
    }
}
