namespace Aiprod.Api.Security;

/// <summary>
/// A cookie the API sets, as its code sets it, for the cookie check of <c>GET /security/headers</c>. The feature that
/// sets a cookie registers its description once (<c>services.AddReportedCookie(...)</c>), next to the code that sets it.
/// </summary>
/// <param name="Name">The cookie's name, e.g. <c>__Host-aiprod_refresh</c>.</param>
/// <param name="Purpose">What it carries, in a few words.</param>
/// <param name="Session">Whether it authenticates (a session or refresh cookie): such a cookie must be HttpOnly and Secure.</param>
/// <param name="HttpOnly">Not readable by scripts.</param>
/// <param name="Secure">Sent over HTTPS only.</param>
/// <param name="SameSite"><c>Strict</c>, <c>Lax</c> or <c>None</c>.</param>
/// <param name="Path">The path attribute.</param>
/// <param name="Domain">The domain attribute, if any (a <c>__Host-</c> cookie has none).</param>
public sealed record ReportedCookie(
    string Name,
    string Purpose,
    bool Session,
    bool HttpOnly,
    bool Secure,
    string SameSite,
    string Path,
    string? Domain = null)
{
    /// <summary>Describes a cookie from the very options its code sets it with, so the report cannot drift from them.</summary>
    public static ReportedCookie Of(string name, string purpose, bool session, CookieOptions options) => new(
        name,
        purpose,
        session,
        options.HttpOnly,
        options.Secure,
        options.SameSite.ToString(),
        options.Path ?? "/",
        options.Domain);
}
