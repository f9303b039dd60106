using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Jobs.Queries.GetJob;

public sealed record GetJobQuery(UserId OwnerId, JobId JobId) : IQuery<Result<JobDetailsDto>>;

public sealed class GetJobQueryHandler(IJobRepository jobs) : IQueryHandler<GetJobQuery, Result<JobDetailsDto>>
{
    public async ValueTask<Result<JobDetailsDto>> Handle(GetJobQuery query, CancellationToken cancellationToken)
    {
        var job = await jobs.FindOwnedAsync(query.OwnerId, query.JobId, withEvents: true, cancellationToken);
        return job is null ? JobErrors.NotFound : job.ToDetails();
    }
}
