using Aiprod.Domain.Common;

namespace Aiprod.Domain.Users;

public static class UserErrors
{
    public static readonly Error NotFound = Error.NotFound("user_not_found", "No account has this id.");

    public static readonly Error Disabled = Error.Forbidden("account_disabled", "The account is disabled.");
}
