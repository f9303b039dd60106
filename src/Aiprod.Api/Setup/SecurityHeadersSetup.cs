using Aiprod.Api.Security;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.Setup;

internal static class SecurityHeadersSetup
{
    public static IServiceCollection AddAiprodSecurityHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityHeadersOptions>()
            .Bind(configuration.GetSection(SecurityHeadersOptions.SectionName))
            .Validate(o => o.HstsMaxAge >= TimeSpan.Zero && o.HstsMaxAge.TotalSeconds <= int.MaxValue,
                "SecurityHeaders: HstsMaxAge must be between 0 and 68 years.")
            .ValidateOnStart();
        services.AddSingleton(sp => new SecurityHeaderPolicy(sp.GetRequiredService<IOptions<SecurityHeadersOptions>>().Value));
        services.AddSecurityHeaderPolicies((b, sp) =>
        {
            var policy = sp.GetRequiredService<SecurityHeaderPolicy>();
            b.SetDefaultPolicy(policy.Api)
                .SetPolicySelector(ctx => policy.For(SecurityHeaderPolicy.SurfaceOf(ctx.HttpContext.Request)));
        });
        services.AddSingleton<SecurityHeaderProbe>();
        services.AddSingleton<SecurityHeaderReporter>();
        return services;
    }

    /// <summary>Describes a cookie the API sets, for the cookie check of <c>GET /security/headers</c>; one call per cookie.</summary>
    public static IServiceCollection AddReportedCookie(this IServiceCollection services, ReportedCookie cookie) =>
        services.AddSingleton(cookie);
}
