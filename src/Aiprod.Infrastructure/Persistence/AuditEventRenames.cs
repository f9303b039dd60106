using Microsoft.EntityFrameworkCore.Migrations;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// The data step of the <c>AuditEventNames</c> migration of both providers: every audit event type written before it,
/// renamed to the <c>resource.action</c> scheme of <see cref="Domain.Audit.AuditEventTypes"/>. The names are literals,
/// not those constants: a migration must replay what was true when it was written, whatever the constants say later.
/// </summary>
internal static class AuditEventRenames
{
    private const string LogoutAll = "authn_logout_all";
    private const string SessionRevoked = "session.revoked";

    /// <summary>Old name, new name.</summary>
    public static IReadOnlyList<(string Old, string New)> Renames { get; } =
    [
        ("user_registered", "user.registered"),
        ("user_promoted_admin", "user.promoted_to_admin"),
        ("user_disabled", "user.disabled"),
        ("authn_lockout", "user.locked_out"),
        ("authn_login_succeeded", "login.succeeded"),
        ("authn_login_failed", "login.failed"),
        ("user_password_changed", "password.changed"),
        ("user_password_change_failed", "password.change_failed"),
        ("authn_token_issued", "token.issued"),
        ("authn_token_refreshed", "token.refreshed"),
        ("authn_token_reuse", "token.reuse_detected"),
        ("authn_token_revoked", SessionRevoked),
        // Logout-all ended each session under a name of its own; its sessions are revoked sessions like any other,
        // and the reason in their details ("logout_all") still tells them apart.
        (LogoutAll, SessionRevoked),
        ("API_KEY_CREATED", "api_key.created"),
        ("API_KEY_ROTATED", "api_key.rotated"),
        ("API_KEY_REVOKED", "api_key.revoked"),
        ("API_KEY_MASS_REVOKED", "api_key.revoked_all"),
        ("API_KEY_LISTED", "api_key.listed"),
        ("API_KEY_AUTH_FAILED", "api_key.authentication_failed"),
        ("job_submitted", "job.submitted"),
        ("job_cancelled", "job.cancelled"),
        ("job_failed_by_worker", "job.failure_reported"),
        ("job_lease_lapsed", "job.lease_lapsed"),
    ];

    public static void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var (old, renamed) in Renames)
        {
            migrationBuilder.Sql(Rename(old, renamed));
        }
    }

    public static void Down(MigrationBuilder migrationBuilder)
    {
        // The one name that two old names share: logout-all's sessions go back first, found by their reason (the
        // details are the compact JSON EfAuditLog writes; '!' escapes LIKE's '_' wildcard).
        migrationBuilder.Sql(
            $"UPDATE audit_events SET EventType = '{LogoutAll}' WHERE EventType = '{SessionRevoked}' " +
            "AND Details LIKE '%\"reason\":\"logout!_all\"%' ESCAPE '!';");
        foreach (var (old, renamed) in Renames.Where(r => r.Old != LogoutAll))
        {
            migrationBuilder.Sql(Rename(renamed, old));
        }
    }

    private static string Rename(string from, string to) => $"UPDATE audit_events SET EventType = '{to}' WHERE EventType = '{from}';";
}
