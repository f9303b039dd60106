using Aiprod.Application.Jobs.Dtos;
using Aiprod.Application.Jobs.Queries.GetJobEvents;
using Aiprod.Application.Jobs.Queries.GetJobSnapshot;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Api.WebSockets;

/// <summary>
/// A socket's reads of its job, each in a scope of its own. A socket lives as long as its handshake's request:
/// reading through the request's scope would keep one <c>DbContext</c> for the socket's life, and EF returns the
/// entity it already tracks, with the values of the first read, to every later query of that context.
/// </summary>
internal sealed class JobSocketReads(IServiceScopeFactory scopes)
{
    public Task<Result<JobSnapshotDto>> SnapshotAsync(UserId ownerId, JobId jobId, CancellationToken cancellationToken) =>
        SendAsync(new GetJobSnapshotQuery(ownerId, jobId), cancellationToken);

    public Task<Result<IReadOnlyList<JobEventDto>>> EventsAfterAsync(UserId ownerId, JobId jobId, long afterEventId, CancellationToken cancellationToken) =>
        SendAsync(new GetJobEventsQuery(ownerId, jobId, afterEventId), cancellationToken);

    private async Task<T> SendAsync<T>(IQuery<T> query, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query, cancellationToken);
    }
}
