using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.ApiKeys.Queries.GetApiKeyHealth;

public sealed record GetApiKeyHealthQuery(UserId OwnerId) : IQuery<ApiKeyHealthDto>;

/// <summary>Looks at the caller's active keys and says concretely what to do.</summary>
public sealed class GetApiKeyHealthQueryHandler(IApiKeyRepository keys, TimeProvider clock) : IQueryHandler<GetApiKeyHealthQuery, ApiKeyHealthDto>
{
    public async ValueTask<ApiKeyHealthDto> Handle(GetApiKeyHealthQuery query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var active = (await keys.ListOwnedAsync(query.OwnerId, cancellationToken)).Where(k => k.StatusAt(now) == ApiKeyStatus.Active).ToList();
        var expiring = active.Where(k => ApiKeyHealthRules.IsExpiringSoon(k, now)).ToList();
        var stale = active.Where(k => ApiKeyHealthRules.IsStale(k, now)).ToList();
        var neverUsed = active.Where(ApiKeyHealthRules.IsNeverUsed).ToList();
        var old = active.Where(k => ApiKeyHealthRules.IsOld(k, now)).ToList();
        var broad = active.Where(ApiKeyHealthRules.HasBroadScopes).ToList();

        var recommendations = new List<ApiKeyRecommendation>();
        void Add(string code, string severity, string message, List<ApiKey> about)
        {
            if (about.Count > 0)
            {
                recommendations.Add(new ApiKeyRecommendation(code, severity, message, about.Select(k => k.Id).ToList()));
            }
        }

        if (active.Count == 0)
        {
            recommendations.Add(new ApiKeyRecommendation("no_active_keys", "low", "You have no active API key. Create one with POST /api-keys/create when a script or worker needs one.", []));
        }

        Add("expiring_soon", "high", $"{expiring.Count} key(s) expire within 7 days: rotate them now (POST /api-keys/{{key_id}}/rotate with a grace period) so clients can switch without downtime.", expiring);
        Add("unused_30_days", "medium", $"{stale.Count} key(s) have not been used for 30 days or more: revoke them if nothing needs them.", stale);
        Add("never_used", "low", $"{neverUsed.Count} key(s) have never been used: revoke the ones you do not plan to use.", neverUsed);
        Add("rotate_old_key", "medium", $"{old.Count} key(s) are older than 90 days: rotate them.", old);
        Add("broad_scopes", "medium", $"{broad.Count} key(s) hold broad scopes (a worker scope with others, or three or more): issue narrower keys, one per use.", broad);
        if (ApiKeyHealthRules.AreTooMany(active.Count))
        {
            recommendations.Add(new ApiKeyRecommendation("too_many_keys", "low", $"You have {active.Count} active keys: consolidate to fewer than {ApiKeyHealthRules.TooMany + 1} and revoke the rest.", active.Select(k => k.Id).ToList()));
        }

        return new ApiKeyHealthDto(active.Count > 0, active.Count, expiring.Count > 0, stale.Count + neverUsed.Count, recommendations);
    }
}
