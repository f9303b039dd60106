namespace Aiprod.Application.Abstractions;

public static class AuditEventTypes
{
    public const string UserRegistered = "user_registered";
    public const string LoginSucceeded = "authn_login_succeeded";
    public const string LoginFailed = "authn_login_failed";
    public const string Lockout = "authn_lockout";
    public const string UserPromotedToAdmin = "user_promoted_admin";
}
