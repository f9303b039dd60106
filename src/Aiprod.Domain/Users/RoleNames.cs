namespace Aiprod.Domain.Users;

/// <summary>
/// The one spelling of each role outside the process: the <c>role</c> claim of access tokens, the role checks of
/// authorization policies and controllers, and the API's answers.
/// </summary>
public static class RoleNames
{
    public const string User = "user";
    public const string Admin = "admin";

    public static string Of(UserRole role) => role switch
    {
        UserRole.User => User,
        UserRole.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a member of UserRole."),
    };
}
