using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Sessions.Queries.ListSessions;

public sealed record ListSessionsQuery(UserId UserId, SessionId? CurrentSessionId) : IQuery<IReadOnlyList<SessionDto>>;

public sealed class ListSessionsQueryHandler(IRefreshTokenRepository tokens, TimeProvider clock) : IQueryHandler<ListSessionsQuery, IReadOnlyList<SessionDto>>
{
    public async ValueTask<IReadOnlyList<SessionDto>> Handle(ListSessionsQuery query, CancellationToken cancellationToken)
    {
        return SessionDto.ListOf(await tokens.ListActiveFamiliesAsync(query.UserId, clock.GetUtcNow(), cancellationToken), query.CurrentSessionId);
    }
}
