using Aiprod.Application.Abstractions;
using Aiprod.Application.Admin.Dtos;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Admin.Queries.GetUser;

/// <summary>One account with its live sessions, its keys by status and its jobs by status.</summary>
public sealed record GetUserQuery(UserId UserId) : IQuery<Result<AdminUserDetailDto>>;

public sealed class GetUserQueryHandler(
    IUserRepository users,
    IRefreshTokenRepository tokens,
    IApiKeyRepository keys,
    IAdminReader reader,
    TimeProvider clock) : IQueryHandler<GetUserQuery, Result<AdminUserDetailDto>>
{
    public async ValueTask<Result<AdminUserDetailDto>> Handle(GetUserQuery query, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(query.UserId, cancellationToken);
        if (user is null)
        {
            return UserErrors.NotFound;
        }

        var now = clock.GetUtcNow();
        var sessions = SessionDto.ListOf(await tokens.ListActiveFamiliesAsync(user.Id, now, cancellationToken), current: null);
        var statuses = (await keys.ListOwnedAsync(user.Id, cancellationToken)).Select(k => k.ToDtoAt(now).Status).ToList();
        var keyCounts = new ApiKeyCountsDto(
            statuses.Count(s => s == ApiKeyStatus.Active), statuses.Count(s => s == ApiKeyStatus.Rotated),
            statuses.Count(s => s == ApiKeyStatus.Revoked), statuses.Count(s => s == ApiKeyStatus.Expired));
        var jobs = await reader.CountJobsAsync(user.Id, cancellationToken);
        return new AdminUserDetailDto(user.ToAdminDto(now), sessions.Count, sessions, keyCounts, jobs.ToJobCounts());
    }
}
