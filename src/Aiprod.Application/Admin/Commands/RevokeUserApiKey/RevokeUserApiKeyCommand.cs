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
/// the commit drops the key from this instance's cache and, through Redis, from every other's. When the key was rotated
/// moments ago (within <see cref="RevokeUserApiKeyCommandHandler.RacingRotation"/>), the keys that rotation issued stop
/// with it: an owner's rotation that committed first must not leave the admin's revocation a successor. A key rotated
/// earlier has successors its owner made on purpose, and they stay.
/// </summary>
public sealed record RevokeUserApiKeyCommand(ApiKeyId KeyId, string Reason) : ICommand<Result<ApiKeyDto>>, IRetryOnConflict;

public sealed class RevokeUserApiKeyCommandValidator : AbstractValidator<RevokeUserApiKeyCommand>
{
    public RevokeUserApiKeyCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class RevokeUserApiKeyCommandHandler(IApiKeyRepository keys, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<RevokeUserApiKeyCommand, Result<ApiKeyDto>>
{
    /// <summary>How recent a rotation must be to be taken for one that raced this revocation (a rerun follows at once).</summary>
    public static readonly TimeSpan RacingRotation = TimeSpan.FromMinutes(1);

    // A revocation racing the owner's rotation or revocation is decided again on what that left: a rotation writes the
    // key's row, so this one's version check fails, and the next attempt finds the successor among the owner's keys.
    public async ValueTask<Result<ApiKeyDto>> Handle(RevokeUserApiKeyCommand command, CancellationToken cancellationToken)
    {
        var key = await keys.FindAsync(command.KeyId, cancellationToken);
        if (key is null)
        {
            return AdminErrors.ApiKeyNotFound;
        }

        var now = clock.GetUtcNow();
        var reason = AdminReason.Clean(command.Reason);
        var rotatedJustNow = key.RotatedAt is { } rotatedAt && now - rotatedAt < RacingRotation;
        var revoked = key.Revoke(now, reason);
        if (!revoked.IsSuccess)
        {
            return revoked.Error;
        }

        var successors = rotatedJustNow
            ? ApiKey.RevokeEveryUsable(ApiKey.SuccessorsOf(key, await keys.ListOwnedAsync(key.OwnerId, cancellationToken)), now, reason)
            : [];

        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyRevoked, AuditOutcome.Success, Target: key.Id.ToString(),
            Details: ApiKeyAudit.Details(key, ("reason", reason), ("owner_id", key.OwnerId), ("by_admin", true),
                ("revoked_successors", successors.Select(k => k.Id).ToList()))));
        return key.ToDtoAt(now);
    }
}
