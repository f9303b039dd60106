using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Jobs.Queries.GetJobSnapshot;

public sealed record GetJobSnapshotQuery(UserId OwnerId, JobId JobId) : IQuery<Result<JobSnapshotDto>>;

public sealed class GetJobSnapshotQueryHandler(IJobRepository jobs) : IQueryHandler<GetJobSnapshotQuery, Result<JobSnapshotDto>>
{
    public async ValueTask<Result<JobSnapshotDto>> Handle(GetJobSnapshotQuery query, CancellationToken cancellationToken)
    {
        var job = await jobs.FindOwnedAsync(query.OwnerId, query.JobId, withEvents: false, cancellationToken);
        return job is null ? JobErrors.NotFound : job.ToSnapshot();
    }
}
