using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.ApiKeys.Queries.GetApiKeyStats;

public sealed record GetApiKeyStatsQuery(UserId OwnerId) : IQuery<ApiKeyStatsDto>;

public sealed class GetApiKeyStatsQueryHandler(IApiKeyRepository keys, TimeProvider clock) : IQueryHandler<GetApiKeyStatsQuery, ApiKeyStatsDto>
{
    public async ValueTask<ApiKeyStatsDto> Handle(GetApiKeyStatsQuery query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var all = await keys.ListOwnedAsync(query.OwnerId, cancellationToken);
        var byStatus = Enum.GetValues<ApiKeyStatus>().ToDictionary(
            s => s.ToString().ToLowerInvariant(),
            s => all.Count(k => k.StatusAt(now) == s));
        var nextExpiration = all.Where(k => k.StatusAt(now) == ApiKeyStatus.Active).Select(k => (DateTimeOffset?)k.ExpiresAt).Min();
        return new ApiKeyStatsDto(
            all.Count,
            byStatus,
            nextExpiration,
            all.Sum(k => k.UsageCount),
            all.Count(k => k.UsageCount > 0),
            all.Max(k => k.LastUsedAt));
    }
}
