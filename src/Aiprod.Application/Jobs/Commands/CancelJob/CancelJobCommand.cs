using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Jobs.Commands.CancelJob;

public sealed record CancelJobCommand(UserId OwnerId, JobId JobId) : ICommand<Result<JobSummaryDto>>, IRetryOnConflict;

public sealed class CancelJobCommandHandler(IJobRepository jobs, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<CancelJobCommand, Result<JobSummaryDto>>
{
    // A cancel racing a worker's report is judged again on what the report left (a job that completed meanwhile stays completed).
    public async ValueTask<Result<JobSummaryDto>> Handle(CancelJobCommand command, CancellationToken cancellationToken)
    {
        var job = await jobs.FindOwnedAsync(command.OwnerId, command.JobId, withEvents: false, cancellationToken);
        if (job is null)
        {
            return JobErrors.NotFound;
        }
        var cancelled = job.Cancel(clock.GetUtcNow());
        if (!cancelled.IsSuccess)
        {
            return cancelled.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.JobCancelled, AuditOutcome.Success, Target: job.Id.ToString()));
        return job.ToSummary();
    }
}
