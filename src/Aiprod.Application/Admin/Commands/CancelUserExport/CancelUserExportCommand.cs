using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Exports.Commands.CancelExport;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.CancelUserExport;

/// <summary>
/// An admin cancels any user's export through the export's own <see cref="ExportJob.Cancel"/>, so the rules and the
/// refusals are the owner's (<see cref="CancelExportCommand"/>): the runner, on whichever instance, stops at its next
/// look and removes its partial file. The audit event is the owner's <c>export.cancelled</c>, with the reason.
/// </summary>
public sealed record CancelUserExportCommand(ExportId ExportId, string Reason) : ICommand<Result<ExportDto>>, IRetryOnConflict;

public sealed class CancelUserExportCommandValidator : AbstractValidator<CancelUserExportCommand>
{
    public CancelUserExportCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class CancelUserExportCommandHandler(IExportJobRepository exports, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<CancelUserExportCommand, Result<ExportDto>>
{
    // A cancel racing the runner's report, or another cancel, is judged again on what that left: an export that
    // succeeded or was cancelled meanwhile is refused as illegal_transition, as the owner's cancel would be.
    public async ValueTask<Result<ExportDto>> Handle(CancelUserExportCommand command, CancellationToken cancellationToken)
    {
        var export = await exports.FindAsync(command.ExportId, cancellationToken);
        if (export is null)
        {
            return AdminErrors.ExportNotFound;
        }

        var cancelled = export.Cancel(clock.GetUtcNow());
        if (!cancelled.IsSuccess)
        {
            return cancelled.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.ExportCancelled, AuditOutcome.Success, Target: export.Id.ToString(),
            Details: new Dictionary<string, object?> { ["reason"] = AdminReason.Clean(command.Reason), ["owner_id"] = export.OwnerId, ["by_admin"] = true }));
        return ExportDto.Of(export);
    }
}
