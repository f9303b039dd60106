using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.CancelUserJob;

/// <summary>
/// An admin cancels any user's job, with the owner's effect: the job's state change is an event like the owner's, so
/// its sockets hear it live and a worker still holding it learns at its next report.
/// </summary>
public sealed record CancelUserJobCommand(JobId JobId, string Reason) : ICommand<Result<JobSummaryDto>>, IRetryOnConflict;

public sealed class CancelUserJobCommandValidator : AbstractValidator<CancelUserJobCommand>
{
    public CancelUserJobCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class CancelUserJobCommandHandler(IJobRepository jobs, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<CancelUserJobCommand, Result<JobSummaryDto>>
{
    // Two cancels, or a cancel and a worker's report, race on the job's version: the loser is judged again on what
    // the winner left (a job cancelled or completed meanwhile is refused as illegal_transition).
    public async ValueTask<Result<JobSummaryDto>> Handle(CancelUserJobCommand command, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(command.JobId, cancellationToken);
        if (job is null)
        {
            return AdminErrors.JobNotFound;
        }

        var cancelled = job.CancelByAdmin(clock.GetUtcNow());
        if (!cancelled.IsSuccess)
        {
            return cancelled.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.JobCancelled, AuditOutcome.Success, Target: job.Id.ToString(),
            Details: new Dictionary<string, object?> { ["reason"] = AdminReason.Clean(command.Reason), ["owner_id"] = job.OwnerId, ["by_admin"] = true }));
        return job.ToSummary();
    }
}
