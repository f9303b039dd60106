using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Jobs.Queries.GetJobEvents;

/// <summary>The events after <see cref="AfterEventId"/>, for a subscriber that resumes.</summary>
public sealed record GetJobEventsQuery(UserId OwnerId, JobId JobId, long AfterEventId) : IQuery<Result<IReadOnlyList<JobEventDto>>>;

public sealed class GetJobEventsQueryHandler(IJobRepository jobs) : IQueryHandler<GetJobEventsQuery, Result<IReadOnlyList<JobEventDto>>>
{
    public async ValueTask<Result<IReadOnlyList<JobEventDto>>> Handle(GetJobEventsQuery query, CancellationToken cancellationToken)
    {
        if (await jobs.FindOwnedAsync(query.OwnerId, query.JobId, withEvents: false, cancellationToken) is null)
        {
            return JobErrors.NotFound;
        }

        var events = await jobs.EventsAfterAsync(query.JobId, query.AfterEventId, 10_000, cancellationToken);
        return events.Select(JobEventDto.Of).ToList();
    }
}
