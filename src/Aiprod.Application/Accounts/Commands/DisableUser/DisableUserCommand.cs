using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.DisableUser;

/// <summary>An admin disables an account: it can no longer log in, and every session it has ends now.</summary>
public sealed record DisableUserCommand(Guid UserId) : ICommand<Result<Done>>;

public sealed class DisableUserCommandHandler(
    IUserRepository users,
    IRefreshTokenRepository tokens,
    SessionRevoker revoker,
    IAuditLog audit,
    TimeProvider clock) : ICommandHandler<DisableUserCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(DisableUserCommand command, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(command.UserId, cancellationToken);
        if (user is null)
        {
            return Error.NotFound("user_not_found", "No account has this id.");
        }

        var now = clock.GetUtcNow();
        var disabled = user.Disable(now);
        if (!disabled.IsSuccess)
        {
            return disabled.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.UserDisabled, AuditOutcome.Success, Target: user.Id.ToString()));
        var families = await tokens.ListActiveFamiliesAsync(user.Id, now, cancellationToken);
        await revoker.RevokeAsync(families, "user_disabled", AuditEventTypes.TokenRevoked, cancellationToken);
        return Done.Value;
    }
}
