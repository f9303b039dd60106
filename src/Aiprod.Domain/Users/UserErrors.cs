using Aiprod.Domain.Common;

namespace Aiprod.Domain.Users;

public static class UserErrors
{
    public static readonly Error NotFound = Error.NotFound("user_not_found", "No account has this id.");

    public static readonly Error Disabled = Error.Forbidden("account_disabled", "The account is disabled.");

    /// <summary>A valid token whose subject is gone: the caller is no longer anyone.</summary>
    public static readonly Error UnknownSubject = Error.Unauthorized("unknown_subject", "The account this token was issued to no longer exists or is disabled.");

    /// <summary>The host command that promotes an account names it by its address.</summary>
    public static Error NoAccountWithEmail(Email? email) => Error.NotFound("user_not_found", $"No account has the email address {email}.");

    /// <summary>The validator refuses such an address first; the handler keeps the check for callers that skip it.</summary>
    public static readonly Error InvalidEmail = Error.Validation("invalid_email", "The email address is not valid.");

    public static readonly Error EmailTaken = Error.Conflict("email_taken", "An account with this email address already exists.");

    public static readonly Error Locked = Error.Locked("account_locked", "The account is locked after repeated wrong passwords; try again later.");

    public static readonly Error WrongCurrentPassword = Error.Validation("wrong_current_password", "The current password is wrong.");

    public static readonly Error PasswordContainsEmail = Error.Validation("password_contains_email", "The password must not be or contain the email address.");

    public static readonly Error AlreadyAdmin = Error.Conflict("already_admin", "The user is already an admin.");

    public static readonly Error AlreadyDisabled = Error.Conflict("already_disabled", "The user is already disabled.");

    public static readonly Error NotDisabled = Error.Conflict("not_disabled", "The user is not disabled.");

    public static readonly Error NotLocked = Error.Conflict("not_locked", "The user is not locked out and has no failed logins to clear.");

    public static readonly Error CannotDemoteSelf = Error.Conflict("cannot_demote_self", "An admin cannot demote themself; ask another admin.");

    public static Error RoleUnchanged(UserRole role) => Error.Conflict("role_unchanged", $"The user already has the role {RoleNames.Of(role)}.");
}
