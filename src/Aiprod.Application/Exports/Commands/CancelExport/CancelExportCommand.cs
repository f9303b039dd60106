using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Exports.Commands.CancelExport;

/// <summary>
/// Stops a queued or running export. The runner, on whichever instance, sees the state at its next look (every
/// <see cref="ExportOptions.WatchInterval"/>), stops writing and removes its partial file.
/// </summary>
public sealed record CancelExportCommand(UserId OwnerId, ExportId ExportId) : ICommand<Result<ExportDto>>, IRetryOnConflict;

public sealed class CancelExportCommandHandler(IExportJobRepository exports, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<CancelExportCommand, Result<ExportDto>>
{
    // A cancel racing the runner's report is judged again on what the report left (an export that succeeded meanwhile stays so).
    public async ValueTask<Result<ExportDto>> Handle(CancelExportCommand command, CancellationToken cancellationToken)
    {
        var export = await exports.FindOwnedAsync(command.OwnerId, command.ExportId, cancellationToken);
        if (export is null)
        {
            return ExportJobErrors.NotFound;
        }

        var cancelled = export.Cancel(clock.GetUtcNow());
        if (!cancelled.IsSuccess)
        {
            return cancelled.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.ExportCancelled, AuditOutcome.Success, Target: export.Id.ToString()));
        return ExportDto.Of(export);
    }
}
