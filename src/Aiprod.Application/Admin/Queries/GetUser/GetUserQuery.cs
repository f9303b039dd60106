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
        var sessions = await SessionsOf(tokens, user.Id, now, cancellationToken);
        var statuses = (await keys.ListOwnedAsync(user.Id, cancellationToken)).Select(k => k.ToDtoAt(now).Status).ToList();
        var keyCounts = new ApiKeyCountsDto(
            statuses.Count(s => s == ApiKeyStatus.Active), statuses.Count(s => s == ApiKeyStatus.Rotated),
            statuses.Count(s => s == ApiKeyStatus.Revoked), statuses.Count(s => s == ApiKeyStatus.Expired));
        var jobs = await reader.CountJobsAsync(user.Id, cancellationToken);
        return new AdminUserDetailDto(user.ToAdminDto(now), sessions.Count, sessions, keyCounts, jobs.ToJobCounts());
    }

    /// <summary>A user's live sessions as their own list shows them, most recently used first; none is the caller's.</summary>
    internal static async Task<IReadOnlyList<SessionDto>> SessionsOf(IRefreshTokenRepository tokens, UserId userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await tokens.ListActiveFamiliesAsync(userId, now, cancellationToken))
            .OrderByDescending(f => f.LastUsedAt)
            .Select(f => new SessionDto(f.Id, f.CreatedAt, f.LastUsedAt, f.ExpiresAt, f.ClientAddress, f.UserAgent, Current: false))
            .ToList();
}
