using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Admin.Queries.ListUserSessions;

/// <summary>A user's live sessions, most recently used first.</summary>
public sealed record ListUserSessionsQuery(UserId UserId) : IQuery<Result<IReadOnlyList<SessionDto>>>;

public sealed class ListUserSessionsQueryHandler(IUserRepository users, IRefreshTokenRepository tokens, TimeProvider clock)
    : IQueryHandler<ListUserSessionsQuery, Result<IReadOnlyList<SessionDto>>>
{
    public async ValueTask<Result<IReadOnlyList<SessionDto>>> Handle(ListUserSessionsQuery query, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(query.UserId, cancellationToken) is null)
        {
            return UserErrors.NotFound;
        }

        return Result<IReadOnlyList<SessionDto>>.Success(SessionDto.ListOf(await tokens.ListActiveFamiliesAsync(query.UserId, clock.GetUtcNow(), cancellationToken), current: null));
    }
}
