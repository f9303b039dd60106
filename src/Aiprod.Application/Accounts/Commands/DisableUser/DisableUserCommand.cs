using Aiprod.Application.Abstractions;
using Aiprod.Application.Admin;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.DisableUser;

/// <summary>
/// An admin disables an account: it can no longer log in, and every session and API key it has stops now. An admin
/// cannot disable themself, and disabling cannot leave no active admin, also when admins disable or demote each other
/// at once: see the handler.
/// </summary>
public sealed record DisableUserCommand(UserId ActorId, UserId UserId, string Reason) : ICommand<Result<Done>>, IRetryOnConflict
{
    // A disable racing a login, a key creation or a rotation is decided again on fresh state, so it revokes what
    // that change issued. It tries longer than the default: the account's own traffic must not be able to outlast it.
    public int MaxAttempts => 10;
}

public sealed class DisableUserCommandValidator : AbstractValidator<DisableUserCommand>
{
    public DisableUserCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class DisableUserCommandHandler(
    IUserRepository users,
    IRefreshTokenRepository tokens,
    IApiKeyRepository apiKeys,
    SessionRevoker revoker,
    IAuditLog audit,
    TimeProvider clock) : ICommandHandler<DisableUserCommand, Result<Done>>
{
    /// <remarks>
    /// One transaction: the account, its sessions and its keys stop together. The account raises
    /// <see cref="UserDisabled"/>, on which, after the commit, a second look ends the sessions a racing login
    /// committed meanwhile (<see cref="Sessions.Commands.EndRemainingSessions.EndRemainingSessionsCommand"/>).
    /// <para>
    /// Disabling an admin takes an active admin out as a demotion does, so it keeps the rule of
    /// <see cref="Admin.Commands.ChangeUserRole.ChangeUserRoleCommandHandler"/>: the actor is re-read (its token may
    /// say admin minutes after a demotion), is not the target, and its version goes into the commit, so the disable
    /// commits only while its actor is still an active admin; whoever disables or demotes last leaves themself. The
    /// version check decides on both providers. No write lock is taken before the reads: a login or a key creation
    /// committing while the disable runs is what the second look after the commit exists for, and on SQLite a lock
    /// held from the first read would only make that interleaving wait (its tests force it).
    /// </para>
    /// </remarks>
    public async ValueTask<Result<Done>> Handle(DisableUserCommand command, CancellationToken cancellationToken)
    {
        if (command.ActorId == command.UserId)
        {
            return AdminErrors.CannotDisableSelf;
        }

        var acting = await ActingAdmin.ReadAsync(users, command.ActorId, cancellationToken);
        if (!acting.IsSuccess)
        {
            return acting.Error;
        }

        var actor = acting.Value!;

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

        users.RequireUnchangedSinceRead(actor);

        var keys = ApiKey.RevokeEveryUsable(await apiKeys.ListUsableOwnedAsync(user.Id, now, cancellationToken), now, "user_disabled");
        audit.Record(new AuditEntry(AuditEventTypes.UserDisabled, AuditOutcome.Success, Target: user.Id.ToString(),
            Details: new Dictionary<string, object?>
            {
                ["reason"] = AdminReason.Clean(command.Reason),
                ["revoked_api_keys"] = keys.Select(k => k.Id).ToList(),
            }));
        revoker.Revoke(await tokens.ListActiveFamiliesAsync(user.Id, now, cancellationToken), "user_disabled", AuditEventTypes.SessionRevoked);
        return Done.Value;
    }
}
