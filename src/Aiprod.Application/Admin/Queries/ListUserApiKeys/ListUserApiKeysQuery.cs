using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Admin.Queries.ListUserApiKeys;

/// <summary>Every key of a user, newest first; audited (<c>api_key.listed</c>) as the owner's own listing is.</summary>
public sealed record ListUserApiKeysQuery(UserId UserId) : IQuery<Result<IReadOnlyList<ApiKeyDto>>>;

public sealed class ListUserApiKeysQueryHandler(IUserRepository users, IApiKeyRepository keys, IAuditLog audit, TimeProvider clock)
    : IQueryHandler<ListUserApiKeysQuery, Result<IReadOnlyList<ApiKeyDto>>>
{
    public async ValueTask<Result<IReadOnlyList<ApiKeyDto>>> Handle(ListUserApiKeysQuery query, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(query.UserId, cancellationToken) is null)
        {
            return UserErrors.NotFound;
        }

        var now = clock.GetUtcNow();
        var listed = (await keys.ListOwnedAsync(query.UserId, cancellationToken)).Select(k => k.ToDtoAt(now)).OrderByDescending(k => k.CreatedAt).ToList();
        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyListed, AuditOutcome.Success, Target: query.UserId.ToString(),
            Details: new Dictionary<string, object?> { ["include_inactive"] = true, ["count"] = listed.Count, ["by_admin"] = true }));
        return listed;
    }
}
