using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.ChangePassword;

/// <summary>Changes the caller's password and ends every session, this one included: whoever else held a token loses it.</summary>
public sealed record ChangePasswordCommand(Guid UserId, string CurrentPassword, string NewPassword) : ICommand<Result<Done>>;

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
    TimeProvider clock) : ICommandHandler<ChangePasswordCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(ChangePasswordCommand command, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(command.UserId, cancellationToken);
        if (user is null || user.IsDisabled)
        {
            return Error.Unauthorized("unknown_subject", "The account this token was issued to no longer exists or is disabled.");
        }

        if (hasher.Verify(user.PasswordHash, command.CurrentPassword) == PasswordCheck.Failed)
        {
            return Error.Validation("wrong_current_password", "The current password is wrong.");
        }

        if (command.NewPassword.Contains(user.Email.Value, StringComparison.OrdinalIgnoreCase))
        {
            return Error.Validation("password_contains_email", "The password must not be or contain the email address.");
        }

        var now = clock.GetUtcNow();
        user.ChangePassword(hasher.Hash(command.NewPassword), now);
        audit.Record(new AuditEntry(AuditEventTypes.UserPasswordChanged, AuditOutcome.Success, Target: user.Id.ToString()));
        var families = await tokens.ListActiveFamiliesAsync(user.Id, now, cancellationToken);
        await revoker.RevokeAsync(families, "password_changed", AuditEventTypes.TokenRevoked, cancellationToken);
        return Done.Value;
    }
}
