using System.Globalization;

namespace Aiprod.Api.Security;

/// <summary>
/// Builds <c>GET /security/headers</c>: the headers of each surface as <see cref="SecurityHeaderProbe"/> captures them
/// from the middleware, checked with the tests and score modifiers of the MDN HTTP Observatory
/// (https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring) and the OWASP Secure Headers project.
/// </summary>
public sealed class SecurityHeaderReporter(SecurityHeaderProbe probe, IEnumerable<ReportedCookie> cookies)
{
    public const string Scoring =
        "Observatory-like: start at 100, add each check's modifier; bonuses (positive modifiers) count only when the "
        + "score without them is at least 90; never below 0. Grades: A+ >= 100, A >= 90, A- >= 85, B+ >= 80, B >= 70, "
        + "B- >= 65, C+ >= 60, C >= 50, C- >= 45, D+ >= 40, D >= 30, D- >= 25, else F.";

    /// <summary>Six months, the Observatory's floor for HSTS.</summary>
    private const long MinHstsSeconds = 15_768_000;

    private static readonly string[] PrivateReferrerPolicies = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"];
    private static readonly string[] ValidReferrerPolicies = [.. PrivateReferrerPolicies, "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "unsafe-url"];

    private static readonly (int Score, string Grade)[] Grades =
    [
        (100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"),
        (60, "C+"), (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"),
    ];

    private readonly IReadOnlyList<ReportedCookie> cookies = [.. cookies];

    public async Task<SecurityHeadersReportDto> ReportAsync(HttpRequest request)
    {
        var cookieChecks = cookies.Select(CheckCookie).ToList();
        var api = await SurfaceAsync(request, "/health", "application/json; charset=utf-8", "every path outside /swagger", cookieChecks);
        var swagger = await SurfaceAsync(request, "/swagger/index.html", "text/html; charset=utf-8", "/swagger and below", cookieChecks);
        return new SecurityHeadersReportDto(request.Scheme, Scoring, api, swagger, cookieChecks);
    }

    /// <summary>The grade of a score, as the Observatory gives it.</summary>
    public static string GradeOf(int score) => Grades.FirstOrDefault(g => score >= g.Score).Grade ?? "F";

    /// <summary>Sum of the modifiers; bonuses only on a base of at least 90; at least 0.</summary>
    public static int ScoreOf(IEnumerable<HeaderCheckDto> checks)
    {
        var modifiers = checks.Select(c => c.Modifier).ToList();
        var score = 100 + modifiers.Where(m => m < 0).Sum();
        if (score >= 90)
        {
            score += modifiers.Where(m => m > 0).Sum();
        }

        return Math.Max(0, score);
    }

    private async Task<SurfaceHeadersReportDto> SurfaceAsync(
        HttpRequest request, string path, string contentType, string paths, IReadOnlyList<CookieCheckDto> cookieChecks)
    {
        var headers = await probe.ProbeAsync(request, path, contentType);
        var https = string.Equals(request.Scheme, "https", StringComparison.OrdinalIgnoreCase);
        var csp = ContentSecurityPolicy.Parse(Get(headers, "Content-Security-Policy"));
        List<HeaderCheckDto> checks =
        [
            CheckCsp(Get(headers, "Content-Security-Policy"), csp),
            CheckHsts(Get(headers, "Strict-Transport-Security"), https),
            CheckContentTypeOptions(Get(headers, "X-Content-Type-Options")),
            CheckFrameOptions(Get(headers, "X-Frame-Options"), csp),
            CheckReferrerPolicy(Get(headers, "Referrer-Policy")),
            CheckPermissionsPolicy(Get(headers, "Permissions-Policy")),
            CheckOneOf("cross-origin-opener-policy", "Cross-Origin-Opener-Policy", Get(headers, "Cross-Origin-Opener-Policy"), ["same-origin"],
                "isolates the browsing context: a page this API opens, or that opens it, gets no handle to the other"),
            CheckOneOf("cross-origin-embedder-policy", "Cross-Origin-Embedder-Policy", Get(headers, "Cross-Origin-Embedder-Policy"), ["require-corp", "credentialless"],
                "a page loads no cross-origin resource that did not consent to it"),
            CheckOneOf("cross-origin-resource-policy", "Cross-Origin-Resource-Policy", Get(headers, "Cross-Origin-Resource-Policy"), ["same-origin", "same-site"],
                "another site cannot embed these responses (Spectre-style reads of no-cors loads)"),
            CheckXssProtection(Get(headers, "X-XSS-Protection")),
            CheckServer(Get(headers, "Server")),
            CheckCookies(cookieChecks),
        ];
        var score = ScoreOf(checks);
        return new SurfaceHeadersReportDto(paths, headers, checks, score, GradeOf(score));
    }

    private static string? Get(IReadOnlyDictionary<string, string> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value : null;

    private static HeaderCheckDto CheckCsp(string? value, ContentSecurityPolicy? csp)
    {
        const string test = "content-security-policy";
        const string header = "Content-Security-Policy";
        const string expected = "default-src 'none' (sources allowed one directive at a time), no 'unsafe-inline' or 'unsafe-eval' for scripts, no http: or wildcard sources, frame-ancestors 'none'";
        if (csp is null)
        {
            return new(test, header, value, expected, false, -25, value is null ? "No CSP is sent." : "The CSP cannot be parsed.");
        }

        var scripts = csp.Effective("script-src");
        var styles = csp.Effective("style-src");
        var objects = csp.Effective("object-src");
        var hasNonceOrHash = scripts.Any(s => s.StartsWith("'nonce-", StringComparison.Ordinal) || s.StartsWith("'sha", StringComparison.Ordinal));
        if (scripts.Contains("'unsafe-inline'") && !hasNonceOrHash)
        {
            return new(test, header, value, expected, false, -20, "Scripts may run inline ('unsafe-inline'): the CSP does not stop injected scripts.");
        }

        if (csp.Directives.Values.SelectMany(s => s).Any(IsInsecureSource) || scripts.Any(IsWildcard) || objects.Any(IsWildcard))
        {
            return new(test, header, value, expected, false, -20, "A source allows plain http: or any host for scripts or plugins.");
        }

        if (scripts.Contains("'unsafe-eval'"))
        {
            return new(test, header, value, expected, false, -10, "Scripts may call eval ('unsafe-eval').");
        }

        if (!csp.Directives.TryGetValue("frame-ancestors", out var ancestors) || !ancestors.SequenceEqual(["'none'"]))
        {
            return new(test, header, value, expected, false, 0, "No frame-ancestors 'none': framing is left to X-Frame-Options.");
        }

        if (styles.Contains("'unsafe-inline'"))
        {
            return new(test, header, value, expected, true, 0, "Implemented; inline styles are allowed ('unsafe-inline' in style-src only), so no bonus.");
        }

        return csp.Directives.TryGetValue("default-src", out var defaults) && defaults.SequenceEqual(["'none'"])
            ? new(test, header, value, expected, true, 10, "Implemented with default-src 'none' and nothing unsafe.")
            : new(test, header, value, expected, true, 5, "Implemented with nothing unsafe (default-src is not 'none').");
    }

    private static bool IsInsecureSource(string source) =>
        source.Equals("http:", StringComparison.OrdinalIgnoreCase) || source.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || source.Equals("ws:", StringComparison.OrdinalIgnoreCase) || source.StartsWith("ws://", StringComparison.OrdinalIgnoreCase);

    private static bool IsWildcard(string source) =>
        source is "*" or "https:" or "data:" or "blob:" or "http:";

    private static HeaderCheckDto CheckHsts(string? value, bool https)
    {
        const string test = "strict-transport-security";
        const string header = "Strict-Transport-Security";
        var expected = $"max-age of at least {MinHstsSeconds} (six months), on every HTTPS response; includeSubDomains and preload earn the bonus";
        if (!https)
        {
            return new(test, header, value, expected, false, -20,
                "This was asked over plain HTTP, where HSTS is not sent (browsers ignore it there). Serve the API over HTTPS; behind a TLS-terminating proxy, list the proxy in ForwardedHeaders:TrustedProxies so its X-Forwarded-Proto counts.");
        }

        if (value is null)
        {
            return new(test, header, value, expected, false, -20, "Not sent: this host is in SecurityHeaders:HstsExcludedHosts.");
        }

        var directives = value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var maxAge = directives.Select(d => d.Split('=', 2)).Where(p => p.Length == 2 && p[0].Equals("max-age", StringComparison.OrdinalIgnoreCase))
            .Select(p => long.TryParse(p[1].Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : (long?)null).FirstOrDefault();
        if (maxAge is null)
        {
            return new(test, header, value, expected, false, -20, "The header has no valid max-age.");
        }

        if (maxAge < MinHstsSeconds)
        {
            return new(test, header, value, expected, false, -10, $"max-age={maxAge} is less than six months.");
        }

        var preload = directives.Contains("preload", StringComparer.OrdinalIgnoreCase)
            && directives.Contains("includeSubDomains", StringComparer.OrdinalIgnoreCase) && maxAge >= 31_536_000;
        return preload
            ? new(test, header, value, expected, true, 5, "At least a year, with includeSubDomains and preload (the Observatory gives the bonus only once the domain is on the preload list).")
            : new(test, header, value, expected, true, 0, "At least six months.");
    }

    private static HeaderCheckDto CheckContentTypeOptions(string? value) =>
        string.Equals(value, "nosniff", StringComparison.OrdinalIgnoreCase)
            ? new("x-content-type-options", "X-Content-Type-Options", value, "nosniff", true, 0, "Browsers keep to the declared media type.")
            : new("x-content-type-options", "X-Content-Type-Options", value, "nosniff", false, -5,
                value is null ? "Not sent: a browser may sniff a JSON answer as HTML or script." : "Not nosniff.");

    private static HeaderCheckDto CheckFrameOptions(string? value, ContentSecurityPolicy? csp)
    {
        const string expected = "DENY, together with CSP frame-ancestors 'none' (which supersedes it in current browsers)";
        var viaCsp = csp?.Directives.TryGetValue("frame-ancestors", out var ancestors) == true && ancestors.SequenceEqual(["'none'"]);
        var legacy = value is not null && (value.Equals("DENY", StringComparison.OrdinalIgnoreCase) || value.Equals("SAMEORIGIN", StringComparison.OrdinalIgnoreCase));
        if (viaCsp)
        {
            return new("x-frame-options", "X-Frame-Options", value, expected, true, 5,
                legacy ? "Framing is refused by CSP frame-ancestors 'none' and, for older browsers, by X-Frame-Options." : "Framing is refused by CSP frame-ancestors 'none'.");
        }

        return legacy
            ? new("x-frame-options", "X-Frame-Options", value, expected, true, 0, "Framing is refused by X-Frame-Options only.")
            : new("x-frame-options", "X-Frame-Options", value, expected, false, -20, "Nothing stops another site from framing these pages (clickjacking).");
    }

    private static HeaderCheckDto CheckReferrerPolicy(string? value)
    {
        const string expected = "no-referrer (or same-origin, strict-origin, strict-origin-when-cross-origin)";
        // Browsers take the last policy they understand.
        var policy = value?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .LastOrDefault(p => ValidReferrerPolicies.Contains(p, StringComparer.OrdinalIgnoreCase));
        if (value is null)
        {
            return new("referrer-policy", "Referrer-Policy", value, expected, false, 0, "Not sent: the browser's default applies.");
        }

        if (policy is null)
        {
            return new("referrer-policy", "Referrer-Policy", value, expected, false, -5, "No valid policy in the header.");
        }

        return PrivateReferrerPolicies.Contains(policy, StringComparer.OrdinalIgnoreCase)
            ? new("referrer-policy", "Referrer-Policy", value, expected, true, 5, "URLs (which may hold ids) do not leak to other sites.")
            : policy.Equals("no-referrer-when-downgrade", StringComparison.OrdinalIgnoreCase)
                ? new("referrer-policy", "Referrer-Policy", value, expected, false, 0, "Full URLs go to every HTTPS site.")
                : new("referrer-policy", "Referrer-Policy", value, expected, false, -5, "Full URLs or origins leak to other sites, even over HTTP.");
    }

    private static HeaderCheckDto CheckPermissionsPolicy(string? value)
    {
        const string expected = "every powerful feature (camera, microphone, geolocation, payment…) disabled: feature=()";
        if (value is null)
        {
            return new("permissions-policy", "Permissions-Policy", value, expected, false, 0, "Not sent: the browser's defaults apply.");
        }

        var allowed = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(f => !f.EndsWith("=()", StringComparison.Ordinal)).ToList();
        return allowed.Count == 0
            ? new("permissions-policy", "Permissions-Policy", value, expected, true, 0, "Every listed feature is disabled (not scored by the Observatory).")
            : new("permissions-policy", "Permissions-Policy", value, expected, false, 0, "Some features are allowed: " + string.Join(", ", allowed) + ".");
    }

    private static HeaderCheckDto CheckOneOf(string test, string header, string? value, string[] good, string why) =>
        value is not null && good.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase)
            ? new(test, header, value, string.Join(" or ", good), true, 0, $"Set: {why} (not scored by the Observatory).")
            : new(test, header, value, string.Join(" or ", good), false, 0, value is null ? "Not sent." : "Not one of the good values.");

    private static HeaderCheckDto CheckXssProtection(string? value) =>
        value is null || value.Trim() == "0"
            ? new("x-xss-protection", "X-XSS-Protection", value, "0 or absent", true, 0,
                "The legacy XSS auditor is off (OWASP: it could be abused where it remains; CSP does its job).")
            : new("x-xss-protection", "X-XSS-Protection", value, "0 or absent", false, 0,
                "Turns on the legacy XSS auditor, which OWASP and the Observatory advise against.");

    private static HeaderCheckDto CheckServer(string? value) =>
        value is null
            ? new("server", "Server", value, "absent", true, 0, "The server software is not named.")
            : new("server", "Server", value, "absent", false, 0, "Names the server software, a free hint for an attacker.");

    private static HeaderCheckDto CheckCookies(IReadOnlyList<CookieCheckDto> cookieChecks)
    {
        const string expected = "every cookie Secure and SameSite, session cookies HttpOnly; __Host- cookies with Path=/ and no Domain";
        if (cookieChecks.Count == 0)
        {
            return new("cookies", "Set-Cookie", null, expected, true, 0, "The API sets no cookie.");
        }

        var names = string.Join(", ", cookieChecks.Select(c => c.Name));
        var failed = cookieChecks.Where(c => !c.Pass).ToList();
        return failed.Count == 0
            ? new("cookies", "Set-Cookie", names, expected, true, 5, "Every cookie is Secure and SameSite, session cookies HttpOnly.")
            : new("cookies", "Set-Cookie", names, expected, false, failed.Min(c => c.Modifier), string.Join(" ", failed.Select(c => $"{c.Name}: {c.Reason}")));
    }

    private static CookieCheckDto CheckCookie(ReportedCookie cookie)
    {
        var attributes = string.Join("; ", new[]
        {
            cookie.HttpOnly ? "HttpOnly" : null,
            cookie.Secure ? "Secure" : null,
            $"SameSite={cookie.SameSite}",
            $"Path={cookie.Path}",
            cookie.Domain is null ? null : $"Domain={cookie.Domain}",
        }.Where(a => a is not null));
        var problems = new List<(int Modifier, string Reason)>();
        if (!cookie.Secure)
        {
            problems.Add((cookie.Session ? -40 : -20, "not Secure (sent over plain HTTP)"));
        }

        if (cookie.Session && !cookie.HttpOnly)
        {
            problems.Add((-30, "a session cookie readable by scripts (no HttpOnly)"));
        }

        if (!cookie.SameSite.Equals("Strict", StringComparison.OrdinalIgnoreCase) && !cookie.SameSite.Equals("Lax", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add((-20, $"SameSite={cookie.SameSite} (sent on cross-site requests)"));
        }

        if (cookie.Name.StartsWith("__Host-", StringComparison.Ordinal) && (!cookie.Secure || cookie.Path != "/" || cookie.Domain is not null))
        {
            problems.Add((-20, "a __Host- cookie needs Secure, Path=/ and no Domain, or browsers refuse it"));
        }

        return problems.Count == 0
            ? new CookieCheckDto(cookie.Name, cookie.Purpose, attributes, true, 0, "Secure and SameSite" + (cookie.Session ? ", HttpOnly." : "."))
            : new CookieCheckDto(cookie.Name, cookie.Purpose, attributes, false, problems.Min(p => p.Modifier), string.Join("; ", problems.Select(p => p.Reason)) + ".");
    }
}
