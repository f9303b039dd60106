using System.Text.RegularExpressions;

namespace Aiprod.Domain.Audit;

/// <summary>
/// What an audit event records, named <c>resource.action</c>: the thing acted on, a dot, then what happened to it in
/// the past tense, lower case with underscores inside a word (<c>api_key.created</c>, <c>login.failed</c>). The
/// webhook events to come use the same names (<c>job.completed</c>, <c>api_key.revoked</c>), so a consumer learns one
/// vocabulary. The names are stored in every row; renaming one needs a data migration of the rows already written.
/// </summary>
public static partial class AuditEventTypes
{
    public const string UserRegistered = "user.registered";
    public const string UserPromotedToAdmin = "user.promoted_to_admin";
    public const string UserDisabled = "user.disabled";
    public const string UserLockedOut = "user.locked_out";

    /// <summary>An admin let a disabled account log in again; with the admin's reason.</summary>
    public const string UserEnabled = "user.enabled";

    /// <summary>An admin cleared an account's lockout and failed-login count; with the admin's reason.</summary>
    public const string UserUnlocked = "user.unlocked";

    /// <summary>An admin changed an account's role (<c>from</c>, <c>to</c>); with the admin's reason.</summary>
    public const string UserRoleChanged = "user.role_changed";
    public const string LoginSucceeded = "login.succeeded";
    public const string LoginFailed = "login.failed";
    public const string PasswordChanged = "password.changed";
    public const string PasswordChangeFailed = "password.change_failed";
    public const string TokenIssued = "token.issued";
    public const string TokenRefreshed = "token.refreshed";
    public const string TokenReuseDetected = "token.reuse_detected";

    /// <summary>A session (a refresh-token family) ended; why is the <c>reason</c> in its details.</summary>
    public const string SessionRevoked = "session.revoked";

    /// <summary>
    /// Browser-mode requests refused by the CSRF checks, counted per reason and client address: the first of a minute
    /// is written, the rest are added to the next one's <c>suppressed</c> count.
    /// </summary>
    public const string CsrfRefused = "csrf.refused";

    /// <summary>
    /// A bearer access token refused with a 401 (expired, a bad signature, malformed, its session ended…), counted
    /// as <see cref="CsrfRefused"/> is; the reason is in the details, never the token. A request without a token is
    /// not one.
    /// </summary>
    public const string AccessTokenRefused = "access_token.refused";

    /// <summary>
    /// An authenticated caller refused by an endpoint's authorization policy (a role, a key's scope) with a 403,
    /// counted as <see cref="CsrfRefused"/> is.
    /// </summary>
    public const string AccessForbidden = "access.forbidden";

    public const string ApiKeyCreated = "api_key.created";
    public const string ApiKeyRotated = "api_key.rotated";
    public const string ApiKeyRevoked = "api_key.revoked";

    /// <summary>An owner's revoke-all: one event for the call, naming the keys it stopped.</summary>
    public const string ApiKeyRevokedAll = "api_key.revoked_all";

    public const string ApiKeyListed = "api_key.listed";
    public const string ApiKeyAuthenticationFailed = "api_key.authentication_failed";
    public const string JobSubmitted = "job.submitted";
    public const string JobCancelled = "job.cancelled";
    public const string JobFailureReported = "job.failure_reported";
    public const string JobLeaseLapsed = "job.lease_lapsed";

    /// <summary>An admin put a failed job back in the queue with its retries reset; with the admin's reason.</summary>
    public const string JobRequeued = "job.requeued";

    /// <summary>An owner asked for an export (<c>POST /exports</c>); the file does not exist yet.</summary>
    public const string ExportRequested = "export.requested";

    /// <summary>An export's file was written whole and made downloadable; with its SHA-256 and size.</summary>
    public const string ExportCreated = "export.created";

    public const string ExportDownloaded = "export.downloaded";
    public const string ExportDeleted = "export.deleted";

    /// <summary>The retention ended and the file was deleted; the export's metadata stays.</summary>
    public const string ExportExpired = "export.expired";

    public const string ExportCancelled = "export.cancelled";

    public const string WebhookCreated = "webhook.created";
    public const string WebhookUpdated = "webhook.updated";
    public const string WebhookDeleted = "webhook.deleted";
    public const string WebhookSecretRotated = "webhook.secret_rotated";

    /// <summary>A subscription whose deliveries kept failing was disabled by the dispatcher; the reason is in its details.</summary>
    public const string WebhookDisabled = "webhook.disabled";
    public const string ExportFailed = "export.failed";

    /// <summary>Whether <paramref name="name"/> is written <c>resource.action</c>; <see cref="AuditEvent.Record"/> takes no other.</summary>
    public static bool FollowsTheScheme(string name) => Scheme().IsMatch(name);

    [GeneratedRegex("^[a-z]+(_[a-z]+)*\\.[a-z]+(_[a-z]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();
}
