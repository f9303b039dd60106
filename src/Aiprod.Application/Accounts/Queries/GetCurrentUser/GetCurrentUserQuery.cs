using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Accounts.Queries.GetCurrentUser;

public sealed record GetCurrentUserQuery(UserId UserId) : IQuery<Result<UserDto>>;

public sealed class GetCurrentUserQueryHandler(IUserRepository users) : IQueryHandler<GetCurrentUserQuery, Result<UserDto>>
{
    public async ValueTask<Result<UserDto>> Handle(GetCurrentUserQuery query, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(query.UserId, cancellationToken);
        if (user is null || user.IsDisabled)
        {
            // The token is valid but its subject is gone: the caller is no longer anyone.
            return UserErrors.UnknownSubject;
        }

        return user.ToDto();
    }
}
