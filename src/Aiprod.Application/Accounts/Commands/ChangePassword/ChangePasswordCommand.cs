using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Accounts.Commands.ChangePassword;

/// <summary>Changes the caller's password and ends every session, this one included: whoever else held a token loses it.</summary>
public sealed record ChangePasswordCommand(UserId UserId, string CurrentPassword, string NewPassword) : ICommand<Result<Done>>, IRetryOnConflict
{
    // A parallel login or change moves the failure count first; the change is decided again on fresh state, so
    // that every wrong password is counted, and it tries long enough that a burst of them all are.
    public int MaxAttempts => 10;
}

public sealed class ChangePasswordCommandValidator : AbstractValidator<ChangePasswordCommand>
{
    public ChangePasswordCommandValidator()
    {
        RuleFor(c => c.CurrentPassword).NotEmpty().WithMessage("The current password is required.")
            .MaximumLength(PasswordRules.MaxLength).WithMessage("The current password is too long.");
        RuleFor(c => c.NewPassword).MeetsPasswordPolicy(_ => null)
            .NotEqual(c => c.CurrentPassword).WithMessage("The new password must differ from the current one.");
    }
}

public sealed class ChangePasswordCommandHandler(
    IUserRepository users,
    IPasswordHasher hasher,
    IRefreshTokenRepository tokens,
    SessionRevoker revoker,
    IAuditLog audit,
    IOptions<LockoutOptions> lockout,
    ConflictAttempt attempt,
    TimeProvider clock) : ICommandHandler<ChangePasswordCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(ChangePasswordCommand command, CancellationToken cancellationToken)
    {
        var current = attempt.Carry(() => new PasswordVerification(hasher, command.CurrentPassword));
        var user = await users.FindByIdAsync(command.UserId, cancellationToken);
        if (user is null || user.IsDisabled)
        {
            return UserErrors.UnknownSubject;
        }

        var now = clock.GetUtcNow();
        if (user.IsLockedOut(now))
        {
            // A stolen access token must not become an unlimited password oracle while the account is locked.
            audit.Record(new AuditEntry(AuditEventTypes.PasswordChangeFailed, AuditOutcome.Failure, Target: user.Id.ToString(), Details: Reason("locked_out")));
            return UserErrors.Locked;
        }

        if (current.Check(user.PasswordHash) == PasswordCheck.Failed)
        {
            // Counted like a failed login: whoever holds the token cannot guess the password without locking it.
            var failure = await users.RecordFailedLoginAsync(user.Id, now, lockout.Value.ToPolicy(), cancellationToken);
            FailedLoginAudit.Record(audit, AuditEventTypes.PasswordChangeFailed, "wrong_current_password", user.Id, failure);
            return UserErrors.WrongCurrentPassword;
        }

        if (command.NewPassword.Contains(user.Email.Value, StringComparison.OrdinalIgnoreCase))
        {
            return UserErrors.PasswordContainsEmail;
        }

        user.ChangePassword(attempt.Carry(() => new PasswordHashing(hasher, command.NewPassword)).Hash(), now);
        audit.Record(new AuditEntry(AuditEventTypes.PasswordChanged, AuditOutcome.Success, Target: user.Id.ToString()));
        var families = await tokens.ListActiveFamiliesAsync(user.Id, now, cancellationToken);
        revoker.Revoke(families, "password_changed", AuditEventTypes.SessionRevoked);
        return Done.Value;
    }

    private static Dictionary<string, object?> Reason(string reason) => new() { ["reason"] = reason };
}
