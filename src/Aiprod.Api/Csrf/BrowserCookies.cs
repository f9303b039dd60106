using Aiprod.Api.Security;

namespace Aiprod.Api.Csrf;

/// <summary>
/// The two cookies of browser mode. <c>__Host-</c> makes the browser refuse them unless they are Secure, have
/// <c>Path=/</c> and no <c>Domain</c>, so a sibling subdomain cannot set or overwrite them (cookie tossing).
/// </summary>
internal static class BrowserCookies
{
    /// <summary>The refresh token: HttpOnly, so no script (an XSS included) can read it.</summary>
    public const string Refresh = "__Host-aiprod-refresh";

    /// <summary>The CSRF token: readable by the page's script, which copies it into <c>X-CSRF-Token</c>.</summary>
    public const string Csrf = "__Host-aiprod-csrf";

    public const string CsrfHeader = "X-CSRF-Token";

    public static void SetRefresh(HttpResponse response, string token, TimeSpan lifetime) =>
        response.Cookies.Append(Refresh, token, Options(httpOnly: true, lifetime));

    public static void SetCsrf(HttpResponse response, string token, TimeSpan lifetime) =>
        response.Cookies.Append(Csrf, token, Options(httpOnly: false, lifetime));

    /// <summary>Clears both: without its session the CSRF token is worthless, and a stale one only confuses the page.</summary>
    public static void Clear(HttpResponse response)
    {
        response.Cookies.Delete(Refresh, Options(httpOnly: true, lifetime: null));
        response.Cookies.Delete(Csrf, Options(httpOnly: false, lifetime: null));
    }

    /// <summary>Both cookies as the security-headers report describes them, built from the options they are set with.</summary>
    public static IEnumerable<ReportedCookie> Reported =>
    [
        ReportedCookie.Of(Refresh, "the refresh token of a browser-mode session", session: true, Options(httpOnly: true, lifetime: null)),
        ReportedCookie.Of(Csrf, "the CSRF token, readable by the page that sends it back in X-CSRF-Token", session: false, Options(httpOnly: false, lifetime: null)),
    ];

    public static string? RefreshFrom(HttpRequest request) =>
        request.Cookies.TryGetValue(Refresh, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static CookieOptions Options(bool httpOnly, TimeSpan? lifetime) => new()
    {
        HttpOnly = httpOnly,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        MaxAge = lifetime,
        IsEssential = true,
    };
}
