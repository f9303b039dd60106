namespace Aiprod.Application.Abstractions;

public static class AuditEventTypes
{
    public const string UserRegistered = "user_registered";
    public const string LoginSucceeded = "authn_login_succeeded";
    public const string LoginFailed = "authn_login_failed";
    public const string Lockout = "authn_lockout";
    public const string UserPromotedToAdmin = "user_promoted_admin";
    public const string UserPasswordChanged = "user_password_changed";
    public const string PasswordChangeFailed = "user_password_change_failed";
    public const string UserDisabled = "user_disabled";
    public const string TokenIssued = "authn_token_issued";
    public const string TokenRefreshed = "authn_token_refreshed";
    public const string TokenReuse = "authn_token_reuse";
    public const string TokenRevoked = "authn_token_revoked";
    public const string LogoutAll = "authn_logout_all";
    public const string ApiKeyCreated = "API_KEY_CREATED";
    public const string ApiKeyRotated = "API_KEY_ROTATED";
    public const string ApiKeyRevoked = "API_KEY_REVOKED";
    public const string ApiKeyMassRevoked = "API_KEY_MASS_REVOKED";
    public const string ApiKeyListed = "API_KEY_LISTED";
    public const string ApiKeyAuthenticationFailed = "API_KEY_AUTH_FAILED";
    public const string JobSubmitted = "job_submitted";
    public const string JobCancelled = "job_cancelled";
    public const string JobFailedByWorker = "job_failed_by_worker";
    public const string JobLeaseLapsed = "job_lease_lapsed";
}
