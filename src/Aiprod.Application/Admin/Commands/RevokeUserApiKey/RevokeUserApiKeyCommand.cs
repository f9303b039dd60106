using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.RevokeUserApiKey;

/// <summary>
/// An admin revokes any user's key. The key's own revocation: it raises <see cref="ApiKeyInvalidated"/>, which after
/// the commit drops the key from this instance's cache and, through Redis, from every other's.
/// </summary>
public sealed record RevokeUserApiKeyCommand(ApiKeyId KeyId, string Reason) : ICommand<Result<ApiKeyDto>>, IRetryOnConflict;

public sealed class RevokeUserApiKeyCommandValidator : AbstractValidator<RevokeUserApiKeyCommand>
{
    public RevokeUserApiKeyCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class RevokeUserApiKeyCommandHandler(IApiKeyRepository keys, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<RevokeUserApiKeyCommand, Result<ApiKeyDto>>
{
    // A revocation racing the owner's rotation or revocation is decided again on what that left.
    public async ValueTask<Result<ApiKeyDto>> Handle(RevokeUserApiKeyCommand command, CancellationToken cancellationToken)
    {
        var key = await keys.FindAsync(command.KeyId, cancellationToken);
        if (key is null)
        {
            return AdminErrors.ApiKeyNotFound;
        }

        var now = clock.GetUtcNow();
        var reason = AdminReason.Clean(command.Reason);
        var revoked = key.Revoke(now, reason);
        if (!revoked.IsSuccess)
        {
            return revoked.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyRevoked, AuditOutcome.Success, Target: key.Id.ToString(),
            Details: ApiKeyAudit.Details(key, ("reason", reason), ("owner_id", key.OwnerId), ("by_admin", true))));
        return key.ToDtoAt(now);
    }
}
