using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.ChangeUserRole;

/// <summary>
/// An admin gives an account a role. An admin cannot demote themself and the last admin cannot be demoted, also
/// when admins demote each other at once: see the handler.
/// </summary>
public sealed record ChangeUserRoleCommand(UserId ActorId, UserId UserId, UserRole? Role, string Reason)
    : ICommand<Result<Done>>, IRetryOnConflict
{
    // Demotions of one another lose their version check and run again.
    public int MaxAttempts => 10;
}

public sealed class ChangeUserRoleCommandValidator : AbstractValidator<ChangeUserRoleCommand>
{
    public ChangeUserRoleCommandValidator()
    {
        // Nullable so that a body without a role is refused: a missing enum would otherwise read as its 0, `user`.
        RuleFor(c => c.Role).NotNull().OverridePropertyName("role").WithMessage("role is required: user or admin.");
        RuleFor(c => c.Role).IsInEnum().OverridePropertyName("role").WithMessage("role must be user or admin.");
        RuleFor(c => c.Reason).MustBeAnAdminReason();
    }
}

public sealed class ChangeUserRoleCommandHandler(
    IUserRepository users,
    IRefreshTokenRepository tokens,
    SessionRevoker revoker,
    IAuditLog audit,
    TimeProvider clock) : ICommandHandler<ChangeUserRoleCommand, Result<Done>>
{
    /// <remarks>
    /// The rule that keeps an admin: whoever demotes is an admin other than the one demoted (the aggregate refuses a
    /// self-demotion), and is still an admin when the demotion commits, so the last admin is never demoted: no other
    /// admin is left to do it. No count of admins is needed, and none could be trusted without a lock.
    /// The actor's row is read here (its token's role claim may be minutes old) and its
    /// version is carried into the commit (<see cref="IUserRepository.RequireUnchangedSinceRead"/>), so a demotion
    /// commits only if nothing changed the actor since: the actor stays an admin after it, and one always remains.
    /// Two admins demoting each other both read the other as an admin; the first commit moves the other's version,
    /// the second fails its check on its own actor row, runs again, and is refused. That holds on both providers, as
    /// for a disable, so no write lock is taken.
    /// <para>
    /// A demotion ends the demoted account's sessions (on every instance, as a disable does): its access tokens say
    /// admin until they expire, and every admin route but this one trusts the token's role. Like a disable, the
    /// account raises an <see cref="IUserAccessWithdrawn"/> event (<see cref="UserDemoted"/>), on which, after the
    /// commit and before the answer, a second look ends the sessions a login racing the demotion committed meanwhile
    /// with an access token that says admin.
    /// </para>
    /// </remarks>
    public async ValueTask<Result<Done>> Handle(ChangeUserRoleCommand command, CancellationToken cancellationToken)
    {
        var acting = await ActingAdmin.ReadAsync(users, command.ActorId, cancellationToken);
        if (!acting.IsSuccess)
        {
            return acting.Error;
        }

        var actor = acting.Value!;

        // The validator refuses a missing role before any handler runs.
        var role = command.Role!.Value;
        var user = await users.FindByIdAsync(command.UserId, cancellationToken);
        if (user is null)
        {
            return UserErrors.NotFound;
        }

        var from = user.Role;
        var changed = user.ChangeRole(role, actor.Id);
        if (!changed.IsSuccess)
        {
            return changed.Error;
        }

        users.RequireUnchangedSinceRead(actor);
        if (from == UserRole.Admin)
        {
            revoker.Revoke(await tokens.ListActiveFamiliesAsync(user.Id, clock.GetUtcNow(), cancellationToken), "role_changed", AuditEventTypes.SessionRevoked);
        }

        audit.Record(new AuditEntry(AuditEventTypes.UserRoleChanged, AuditOutcome.Success, Target: user.Id.ToString(),
            Details: new Dictionary<string, object?>
            {
                ["reason"] = AdminReason.Clean(command.Reason),
                ["from"] = RoleNames.Of(from),
                ["to"] = RoleNames.Of(role),
            }));
        return Done.Value;
    }
}
