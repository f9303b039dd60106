using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.UnlockUser;

/// <summary>An admin ends an account's lockout and clears its failed-login count.</summary>
/// <remarks>A wrong password counted meanwhile moves the account's version: the unlock is decided again after it.</remarks>
public sealed record UnlockUserCommand(UserId UserId, string Reason) : ICommand<Result<Done>>, IRetryOnConflict;

public sealed class UnlockUserCommandValidator : AbstractValidator<UnlockUserCommand>
{
    public UnlockUserCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class UnlockUserCommandHandler(IUserRepository users, IAuditLog audit, TimeProvider clock) : ICommandHandler<UnlockUserCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(UnlockUserCommand command, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(command.UserId, cancellationToken);
        if (user is null)
        {
            return UserErrors.NotFound;
        }

        var wasLocked = user.IsLockedOut(clock.GetUtcNow());
        var failedLogins = user.FailedLoginCount;
        var unlocked = user.Unlock();
        if (!unlocked.IsSuccess)
        {
            return unlocked.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.UserUnlocked, AuditOutcome.Success, Target: user.Id.ToString(),
            Details: new Dictionary<string, object?>
            {
                ["reason"] = AdminReason.Clean(command.Reason),
                ["was_locked_out"] = wasLocked,
                ["cleared_failed_logins"] = failedLogins,
            }));
        return Done.Value;
    }
}
