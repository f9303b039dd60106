namespace Aiprod.Api.Security;

/// <summary>The security headers the API sends, checked the way the MDN HTTP Observatory checks a site.</summary>
/// <param name="Scheme">The scheme the headers were taken for (the caller's): HSTS is sent on HTTPS only.</param>
/// <param name="Scoring">How the score and the grade are computed.</param>
/// <param name="Api">The JSON answers of the API (every route outside <c>/swagger</c>, problems included).</param>
/// <param name="SwaggerUi">Swagger UI's page and assets and the OpenAPI document (everything under <c>/swagger</c>).</param>
/// <param name="Cookies">Each cookie the API sets, checked on its own.</param>
public sealed record SecurityHeadersReportDto(
    string Scheme,
    string Scoring,
    SurfaceHeadersReportDto Api,
    SurfaceHeadersReportDto SwaggerUi,
    IReadOnlyList<CookieCheckDto> Cookies);

/// <summary>One surface: the headers its responses carry, the checks, the score and the grade.</summary>
/// <param name="Paths">The paths this surface covers.</param>
/// <param name="Headers">Every header the security-headers middleware puts on a response of this surface, with its value.</param>
/// <param name="Checks">One per Observatory-like test.</param>
/// <param name="Score">100 plus the modifiers (bonuses only when the score without them is at least 90), at least 0.</param>
/// <param name="Grade">A+ to F, from the score.</param>
public sealed record SurfaceHeadersReportDto(
    string Paths,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<HeaderCheckDto> Checks,
    int Score,
    string Grade);

/// <summary>One test.</summary>
/// <param name="Test">The test, named after the Observatory's (<c>content-security-policy</c>, <c>strict-transport-security</c>…).</param>
/// <param name="Header">The header it reads (<c>Set-Cookie</c> for cookies).</param>
/// <param name="Value">The value sent; absent when the header is not sent.</param>
/// <param name="Expected">What a good value is.</param>
/// <param name="Pass">Whether the value is good.</param>
/// <param name="Modifier">Points added to (bonus) or taken from the score of 100.</param>
/// <param name="Reason">Why it passes or fails.</param>
public sealed record HeaderCheckDto(string Test, string Header, string? Value, string Expected, bool Pass, int Modifier, string Reason);

/// <summary>One cookie the API sets.</summary>
/// <param name="Name">The cookie's name.</param>
/// <param name="Purpose">What it carries.</param>
/// <param name="Attributes">Its attributes as set (<c>HttpOnly; Secure; SameSite=Strict; Path=/</c>).</param>
/// <param name="Pass">Whether every attribute is as it should be.</param>
/// <param name="Modifier">Its effect on the score.</param>
/// <param name="Reason">Why.</param>
public sealed record CookieCheckDto(string Name, string Purpose, string Attributes, bool Pass, int Modifier, string Reason);
