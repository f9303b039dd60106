using Aiprod.Application.Abstractions;
using Aiprod.Application.Admin.Dtos;
using Mediator;

namespace Aiprod.Application.Admin.Queries.GetJobsOverview;

/// <summary>The queue at a glance: counts by status, the oldest wait, who holds what, and the last hour's lapses.</summary>
public sealed record GetJobsOverviewQuery : IQuery<JobsOverviewDto>;

public sealed class GetJobsOverviewQueryHandler(IAdminReader reader, TimeProvider clock) : IQueryHandler<GetJobsOverviewQuery, JobsOverviewDto>
{
    public const int RunningShown = 100;

    public async ValueTask<JobsOverviewDto> Handle(GetJobsOverviewQuery query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var figures = await reader.QueueFiguresAsync(now.AddHours(-1), RunningShown, cancellationToken);
        return new JobsOverviewDto(
            figures.Counts.ToJobCounts(),
            figures.OldestQueuedAt,
            figures.OldestQueuedAt is { } oldest ? (long)Math.Max(0, (now - oldest).TotalSeconds) : null,
            figures.Running.Select(j => new RunningJobDto(j.Id, j.OwnerId, j.WorkerKeyId, j.LeaseExpiresAt, j.Progress, j.RetryCount, j.StartedAt)).ToList(),
            figures.LapsedLeases,
            figures.LapsedLeasesRequeued,
            figures.AdminRequeues);
    }
}
