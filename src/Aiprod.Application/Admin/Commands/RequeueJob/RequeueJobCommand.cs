using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.RequeueJob;

/// <summary>An admin puts a failed job back in the queue with its retries reset; anything not failed is refused (409).</summary>
public sealed record RequeueJobCommand(JobId JobId, string Reason) : ICommand<Result<JobSummaryDto>>, IRetryOnConflict;

public sealed class RequeueJobCommandValidator : AbstractValidator<RequeueJobCommand>
{
    public RequeueJobCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class RequeueJobCommandHandler(IJobRepository jobs, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<RequeueJobCommand, Result<JobSummaryDto>>
{
    // Two requeues, or a requeue and a cancel, race on the job's version: the loser runs again, finds the job queued
    // (or cancelled) and is refused, so the job is requeued once. A worker cannot claim it before the requeue commits.
    public async ValueTask<Result<JobSummaryDto>> Handle(RequeueJobCommand command, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(command.JobId, cancellationToken);
        if (job is null)
        {
            return AdminErrors.JobNotFound;
        }

        var retries = job.RetryCount;
        var requeued = job.Requeue(clock.GetUtcNow());
        if (!requeued.IsSuccess)
        {
            return requeued.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.JobRequeued, AuditOutcome.Success, Target: job.Id.ToString(),
            Details: new Dictionary<string, object?>
            {
                ["reason"] = AdminReason.Clean(command.Reason),
                ["owner_id"] = job.OwnerId,
                ["previous_retry_count"] = retries,
            }));
        return job.ToSummary();
    }
}
