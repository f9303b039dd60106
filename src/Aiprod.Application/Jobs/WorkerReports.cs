using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Jobs;

/// <summary>
/// The shared shape of a worker's report: load the job, let the aggregate judge it, acknowledge. The reports are
/// <see cref="IRetryOnConflict"/>: one that races a cancellation or a lapsed lease is judged again on what that
/// change left. A key that may not serve the job's owner (another user's key that is not an admin's) learns
/// nothing about the job: it is answered as if the job did not exist, whatever its state.
/// </summary>
public sealed class WorkerReports(IJobRepository jobs, IUserRepository users, IOptions<JobOptions> options, TimeProvider clock)
{
    public sealed record Context(TimeSpan Lease);

    public async ValueTask<Result<WorkerAckDto>> ApplyAsync(
        ApiKeyId workerKeyId,
        UserId workerOwnerId,
        JobId jobId,
        Func<PipelineJob, DateTimeOffset, Context, Result<Done>> change,
        CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(jobId, cancellationToken);
        // Another user's job is asked about even when the key holds it: the key's owner may have been demoted since
        // the claim, and an admin's power over every queue must not outlive the admin role through a renewed lease.
        if (job is null || job.WorkerKeyId != workerKeyId || job.OwnerId != workerOwnerId)
        {
            if (!await MayServeAsync(workerOwnerId, job, cancellationToken) || job is null)
            {
                return JobErrors.NotHeld;
            }
        }

        var applied = change(job, clock.GetUtcNow(), new Context(TimeSpan.FromSeconds(options.Value.DefaultLeaseSeconds)));
        if (!applied.IsSuccess)
        {
            return applied.Error;
        }
        return new WorkerAckDto(job.Id, job.Status, job.LeaseExpiresAt);
    }

    // Asked only when the key does not hold the job or the job is another user's, so an owner's own worker reports
    // cost no extra query; and then always with the same read, whether the job is missing, queued, or another user's, so its cost tells a stranger nothing.
    private async ValueTask<bool> MayServeAsync(UserId workerOwnerId, PipelineJob? job, CancellationToken cancellationToken)
    {
        var isAdmin = await users.IsAdminAsync(workerOwnerId, cancellationToken);
        return job is { Status: not JobStatus.Queued } && (job.OwnerId == workerOwnerId || isAdmin);
    }
}
