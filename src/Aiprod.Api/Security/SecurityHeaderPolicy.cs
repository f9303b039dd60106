using Aiprod.Api.Setup;
using NetEscapades.AspNetCore.SecurityHeaders.Infrastructure;

namespace Aiprod.Api.Security;

/// <summary>
/// The one header policy of the API: the security-headers middleware applies it to every response, and
/// <c>GET /security/headers</c> reports what that middleware makes of it, so the report cannot drift from what is sent.
/// Two surfaces: the JSON answers of the API (nothing may load, frame or sniff them), and Swagger UI's pages under
/// <c>/swagger</c> (same-origin scripts, styles and data images only).
/// </summary>
public sealed class SecurityHeaderPolicy
{
    public const string ApiSurface = "api";
    public const string SwaggerUiSurface = "swagger_ui";

    /// <summary>Where Swagger UI and its document are served; everything below it is a page or a page's asset.</summary>
    public static readonly PathString SwaggerPath = new("/swagger");

    /// <summary>
    /// The one inline style Swagger UI 5 adds: the <c>&lt;style&gt;</c> inside the SVG logo of its top bar, inserted by
    /// swagger-ui-bundle.js. Allowed by its hash alone; an upgrade that changes it fails the browser suite's console check.
    /// </summary>
    public const string SwaggerUiLogoStyle = ".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}";

    public SecurityHeaderPolicy(SecurityHeadersOptions options)
    {
        Api = Common(options)
            .AddContentSecurityPolicy(csp =>
            {
                csp.AddDefaultSrc().None();
                csp.AddFrameAncestors().None();
                csp.AddBaseUri().None();
                csp.AddFormAction().None();
            });

        // Swagger UI 5 (Swashbuckle's index.html) loads swagger-ui.css, index.css, swagger-ui-bundle.js,
        // swagger-ui-standalone-preset.js, index.js and two favicons from /swagger, fetches /swagger/v1/swagger.json, and
        // draws its icons with data: SVGs in its CSS. Its inline style attributes are set through the DOM (React), which
        // CSP does not govern; its one <style> element (the logo's) is allowed by its hash, so neither scripts nor styles
        // need 'unsafe-inline'. index.js calls `Function` only for request interceptors, which this API does not
        // configure, so 'unsafe-eval' is not needed either.
        SwaggerUi = Common(options)
            .AddContentSecurityPolicy(csp =>
            {
                csp.AddDefaultSrc().None();
                csp.AddScriptSrc().Self();
                csp.AddStyleSrc().Self().WithHash256(
                    Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(SwaggerUiLogoStyle))));
                csp.AddImgSrc().Self().Data();
                csp.AddConnectSrc().Self();
                csp.AddFontSrc().Self();
                csp.AddObjectSrc().None();
                csp.AddFrameAncestors().None();
                csp.AddBaseUri().Self();
                csp.AddFormAction().Self();
            });
    }

    /// <summary>The JSON answers of the API, problems included.</summary>
    public HeaderPolicyCollection Api { get; }

    /// <summary>Swagger UI's page, its assets and the OpenAPI document.</summary>
    public HeaderPolicyCollection SwaggerUi { get; }

    /// <summary>The surface a request belongs to, by its path alone: the same decision for any status or media type.</summary>
    public static string SurfaceOf(HttpRequest request) =>
        request.Path.StartsWithSegments(SwaggerPath) ? SwaggerUiSurface : ApiSurface;

    public IReadOnlyHeaderPolicyCollection For(string surface) => surface == SwaggerUiSurface ? SwaggerUi : Api;

    private static HeaderPolicyCollection Common(SecurityHeadersOptions options) => new HeaderPolicyCollection()
        .AddContentTypeOptionsNoSniff()
        // Legacy, for browsers that predate CSP's frame-ancestors; both say the same.
        .AddFrameOptionsDeny()
        .AddReferrerPolicyNoReferrer()
        .AddPermissionsPolicyWithDefaultSecureDirectives()
        .AddCrossOriginOpenerPolicy(c => c.SameOrigin())
        // Everything Swagger UI loads is same-origin and carries CORP, so require-corp breaks nothing.
        .AddCrossOriginEmbedderPolicy(c => c.RequireCorp())
        .AddCrossOriginResourcePolicy(c => c.SameOrigin())
        // OWASP: the XSS auditor it switched on is gone from browsers and could be abused where it remains; 0 turns it off.
        .AddXssProtectionDisabled()
        .AddCustomHeader("X-Permitted-Cross-Domain-Policies", "none")
        // Only on HTTPS (the library never sends it over HTTP, where a browser would ignore it anyway).
        .AddStrictTransportSecurity(
            (int)options.HstsMaxAge.TotalSeconds,
            options.HstsIncludeSubDomains,
            options.HstsPreload,
            options.HstsExcludedHosts)
        .RemoveServerHeader();
}
