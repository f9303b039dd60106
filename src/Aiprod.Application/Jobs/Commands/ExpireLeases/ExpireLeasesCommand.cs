using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Jobs;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Jobs.Commands.ExpireLeases;

/// <summary>Puts jobs whose worker went silent back in the queue, or fails them once their retries are spent.</summary>
/// <remarks>Several instances run this check, and workers report meanwhile: a batch that lost a race is read again.</remarks>
public sealed record ExpireLeasesCommand : ICommand<int>, IRetryOnConflict;

public sealed class ExpireLeasesCommandHandler(IJobRepository jobs, IAuditLog audit, IOptions<JobOptions> options, TimeProvider clock)
    : ICommandHandler<ExpireLeasesCommand, int>
{
    public async ValueTask<int> Handle(ExpireLeasesCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var changed = 0;
        foreach (var job in await jobs.WithLapsedLeasesAsync(now, 100, cancellationToken))
        {
            if (job.ExpireLease(now, options.Value.ToPolicy()))
            {
                changed++;
                audit.Record(new AuditEntry(AuditEventTypes.JobLeaseLapsed, job.Status == JobStatus.Failed ? AuditOutcome.Failure : AuditOutcome.Success,
                    Target: job.Id.ToString(), Details: new Dictionary<string, object?> { ["retry_count"] = job.RetryCount, ["status"] = EnumNames.Of(job.Status) },
                    ActorKind: ActorKind.System));
            }
        }

        return changed;
    }
}
