using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Accounts.Commands.Login;

public sealed record LoginCommand(string Email, string Password) : ICommand<Result<TokenResponse>>, IRetryOnConflict<Result<TokenResponse>>
{
    // A parallel login, or a disable, changed the account first: the login is decided again on fresh state. Past
    // the last try it answers as for any failure: a conflict is something an unknown email never gets, so letting
    // it through would tell existing accounts apart.
    public Result<TokenResponse> WhenConflictPersists() => LoginCommandHandler.InvalidCredentials;
}

public sealed class LoginCommandValidator : AbstractValidator<LoginCommand>
{
    public LoginCommandValidator()
    {
        RuleFor(c => c.Email).NotEmpty().WithMessage("An email address is required.")
            .MaximumLength(Domain.Users.Email.MaxLength).WithMessage("The email address is too long.");
        RuleFor(c => c.Password).NotEmpty().WithMessage("A password is required.")
            .MaximumLength(PasswordRules.MaxLength).WithMessage($"The password must be at most {PasswordRules.MaxLength} characters long.");
    }
}

public sealed class LoginCommandHandler(
    IUserRepository users,
    IPasswordHasher hasher,
    IRefreshTokenRepository refreshTokens,
    TokenIssuance issuance,
    IAuditLog audit,
    IRequestContext request,
    IOptions<LockoutOptions> lockout,
    ConflictAttempt attempt,
    TimeProvider clock) : ICommandHandler<LoginCommand, Result<TokenResponse>>
{
    /// <summary>
    /// One answer for an unknown email, a wrong password, a locked and a disabled account, so the endpoint
    /// cannot be used to learn which addresses have accounts (OWASP ASVS V2.2).
    /// </summary>
    public static readonly Error InvalidCredentials = Error.Unauthorized(
        "invalid_credentials",
        "The email or password is wrong, or the account is temporarily locked after repeated failures.");

    public async ValueTask<Result<TokenResponse>> Handle(LoginCommand command, CancellationToken cancellationToken)
    {
        var password = attempt.Carry(() => new PasswordVerification(hasher, command.Password));
        var now = clock.GetUtcNow();
        var user = Email.TryCreate(command.Email, out var email)
            ? await users.FindByEmailAsync(email, cancellationToken)
            : null;

        if (user is null)
        {
            // Same slow hash as a real check, so response time does not tell whether the email exists.
            hasher.VerifyAgainstDecoy(command.Password);
            audit.Record(new AuditEntry(AuditEventTypes.LoginFailed, AuditOutcome.Failure, Target: email?.Value, Details: Reason("unknown_email")));
            return InvalidCredentials;
        }

        var check = password.Check(user.PasswordHash);
        if (user.IsDisabled || user.IsLockedOut(now))
        {
            audit.Record(new AuditEntry(AuditEventTypes.LoginFailed, AuditOutcome.Failure, Target: user.Id.ToString(), Details: Reason(user.IsDisabled ? "disabled" : "locked_out")));
            return InvalidCredentials;
        }

        if (check == PasswordCheck.Failed)
        {
            // Counted at once and outside the version check: parallel guesses each count, none is lost to a race.
            var failure = await users.RecordFailedLoginAsync(user.Id, now, lockout.Value.ToPolicy(), cancellationToken);
            FailedLoginAudit.Record(audit, AuditEventTypes.LoginFailed, "wrong_password", user.Id, failure);
            return InvalidCredentials;
        }

        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            user.UpgradePasswordHash(attempt.Carry(() => new PasswordHashing(hasher, command.Password)).Hash());
        }

        user.RecordSuccessfulLogin(now);
        users.RequireUnchangedSinceRead(user);
        var family = RefreshTokenFamily.Start(user.Id, now, issuance.Policy, request.ClientAddress, request.UserAgent);
        var issued = issuance.Issue(user, family, parent: null);
        if (!issued.IsSuccess)
        {
            return issued.Error;
        }

        refreshTokens.Add(family);

        audit.Record(new AuditEntry(AuditEventTypes.LoginSucceeded, AuditOutcome.Success, Target: user.Id.ToString(), ActorKind: ActorKind.User, ActorId: user.Id.ToString()));
        audit.Record(TokenIssuance.Audit(AuditEventTypes.TokenIssued, AuditOutcome.Success, user, family.Id, issued.Value.Refresh.HashPrefix, 0));
        return issued.Value.Response;
    }

    private static Dictionary<string, object?> Reason(string reason) => new() { ["reason"] = reason };
}
