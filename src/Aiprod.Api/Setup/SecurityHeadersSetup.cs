namespace Aiprod.Api.Setup;

internal static class SecurityHeadersSetup
{
    public static IServiceCollection AddAiprodSecurityHeaders(this IServiceCollection services)
    {
        // An API serves no documents: nothing may be framed, loaded or sniffed.
        var api = new HeaderPolicyCollection()
            .AddDefaultApiSecurityHeaders()
            .AddContentTypeOptionsNoSniff()
            .AddFrameOptionsDeny()
            .AddReferrerPolicyNoReferrer()
            .AddContentSecurityPolicy(csp =>
            {
                csp.AddDefaultSrc().None();
                csp.AddFrameAncestors().None();
            })
            .AddCrossOriginOpenerPolicy(c => c.SameOrigin())
            .AddStrictTransportSecurityMaxAgeIncludeSubDomains(maxAgeInSeconds: 365 * 24 * 3600)
            .RemoveServerHeader();

        // Swagger UI is a page: it needs its own scripts, styles and inline images, still nothing from elsewhere.
        var swagger = new HeaderPolicyCollection()
            .AddContentTypeOptionsNoSniff()
            .AddFrameOptionsDeny()
            .AddReferrerPolicyNoReferrer()
            .AddContentSecurityPolicy(csp =>
            {
                csp.AddDefaultSrc().Self();
                csp.AddScriptSrc().Self();
                csp.AddStyleSrc().Self().UnsafeInline();
                csp.AddImgSrc().Self().Data();
                csp.AddConnectSrc().Self();
                csp.AddFontSrc().Self();
                csp.AddObjectSrc().None();
                csp.AddFrameAncestors().None();
                csp.AddBaseUri().Self();
                csp.AddFormAction().Self();
            })
            .AddCrossOriginOpenerPolicy(c => c.SameOrigin())
            .RemoveServerHeader();

        services.AddSecurityHeaderPolicies(b => b
            .SetDefaultPolicy(api)
            .SetPolicySelector(ctx => ctx.HttpContext.Request.Path.StartsWithSegments("/swagger") ? swagger : ctx.DefaultPolicy));
        return services;
    }
}
