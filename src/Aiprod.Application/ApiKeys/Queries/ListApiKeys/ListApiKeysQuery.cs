using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.ApiKeys.Queries.ListApiKeys;

/// <summary>The caller's keys; audited (API_KEY_LISTED), since a list of credentials is worth knowing who looked at.</summary>
public sealed record ListApiKeysQuery(UserId OwnerId, bool IncludeInactive) : IQuery<ApiKeyListDto>;

public sealed class ListApiKeysQueryHandler(IApiKeyRepository keys, IAuditLog audit, TimeProvider clock)
    : IQueryHandler<ListApiKeysQuery, ApiKeyListDto>
{
    public async ValueTask<ApiKeyListDto> Handle(ListApiKeysQuery query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var all = (await keys.ListOwnedAsync(query.OwnerId, cancellationToken)).Select(k => k.ToDtoAt(now)).ToList();
        var listed = all.Where(k => query.IncludeInactive || k.Status == ApiKeyStatus.Active)
            .OrderByDescending(k => k.CreatedAt)
            .ToList();
        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyListed, AuditOutcome.Success, Target: query.OwnerId.ToString(),
            Details: new Dictionary<string, object?> { ["include_inactive"] = query.IncludeInactive, ["count"] = listed.Count }));
        return new ApiKeyListDto(listed, listed.Count, all.Count(k => k.Status == ApiKeyStatus.Active));
    }
}
