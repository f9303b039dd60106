using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.DisableUser;

/// <summary>An admin disables an account: it can no longer log in, and every session and API key it has stops now.</summary>
public sealed record DisableUserCommand(Guid UserId) : ICommand<Result<Done>>;

public sealed class DisableUserCommandHandler(
    IUserRepository users,
    IRefreshTokenRepository tokens,
    IApiKeyRepository apiKeys,
    IApiKeyCache apiKeyCache,
    SessionRevoker revoker,
    IAuditLog audit,
    TimeProvider clock) : ICommandHandler<DisableUserCommand, Result<Done>>
{
    // A disable racing a login, a key creation or a rotation is decided again on fresh state, so it revokes what
    // that change issued. It tries longer than the default: the account's own traffic must not be able to outlast it.
    private const int MaxAttempts = 10;

    public async ValueTask<Result<Done>> Handle(DisableUserCommand command, CancellationToken cancellationToken)
    {
        var disabled = await ConflictRetry.RunAsync(_ => DisableAsync(command, cancellationToken), MaxAttempts);
        if (!disabled.IsSuccess)
        {
            return disabled;
        }

        // Logins do not conflict with each other, so one that read the account before the disable and committed
        // while it ran left a session the disable did not list. None can commit from now on (the version it read
        // is gone), so one more look finds every such session. Keys need no second look: issuing one is a change
        // of the account, which the disable would have conflicted with.
        await ConflictRetry.RunAsync(async _ =>
        {
            var families = await tokens.ListActiveFamiliesAsync(command.UserId, clock.GetUtcNow(), cancellationToken);
            return families.Count == 0 ? 0 : await revoker.RevokeAsync(families, "user_disabled", AuditEventTypes.TokenRevoked, cancellationToken);
        }, MaxAttempts);
        return Done.Value;
    }

    private async ValueTask<Result<Done>> DisableAsync(DisableUserCommand command, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(command.UserId, cancellationToken);
        if (user is null)
        {
            return UserErrors.NotFound;
        }

        var now = clock.GetUtcNow();
        var disabled = user.Disable(now);
        if (!disabled.IsSuccess)
        {
            return disabled.Error;
        }

        var keys = (await apiKeys.ListUsableOwnedAsync(user.Id, now, cancellationToken))
            .Where(k => k.Revoke(now, "user_disabled").IsSuccess)
            .ToList();
        audit.Record(new AuditEntry(AuditEventTypes.UserDisabled, AuditOutcome.Success, Target: user.Id.ToString(),
            Details: new Dictionary<string, object?> { ["revoked_api_keys"] = keys.Select(k => k.Id).ToList() }));

        // One transaction: the account, its sessions and its keys stop together.
        var families = await tokens.ListActiveFamiliesAsync(user.Id, now, cancellationToken);
        await revoker.RevokeAsync(families, "user_disabled", AuditEventTypes.TokenRevoked, cancellationToken);
        await apiKeyCache.InvalidateAsync(keys.Select(k => k.KeyHash).ToList(), cancellationToken);
        return Done.Value;
    }
}
