using Aiprod.Api.Csrf;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Infrastructure;
using Aiprod.Infrastructure.Csrf;

namespace Aiprod.Api.Setup;

internal static class CsrfSetup
{
    public static IServiceCollection AddAiprodCsrf(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CsrfOptions>()
            .Bind(configuration.GetSection(CsrfOptions.SectionName))
            .Validate(o => o.MaxAge >= TimeSpan.FromMinutes(1) && o.MaxAge <= TimeSpan.FromDays(1),
                "Csrf:MaxAge must be between one minute and one day.")
            .Validate(o => CsrfOptions.IsValidKey(o.SigningKey),
                $"Csrf:SigningKey must be the base64 of at least {CsrfOptions.MinKeyBytes} random bytes (or empty, for a key generated into the data folder).")
            .Validate(o => o.AllowedOrigins.All(CsrfOptions.IsValidOrigin),
                "Csrf:AllowedOrigins must be origins such as https://app.example.com (scheme and host, no path or trailing slash).")
            .ValidateOnStart();
        services.AddSingleton<CsrfKeyStore>();
        services.AddSingleton<ICsrfTokenCodec>(sp => sp.GetRequiredService<CsrfKeyStore>().Codec);
        services.AddSingleton<ICsrfGenerations>(sp => new CsrfGenerations(sp.GetRequiredService<TimeProvider>(), sp.GetService<RedisCircuit>()));
        services.AddSingleton<CsrfGuard>();
        services.AddSingleton<CsrfRefusalAudit>();
        return services;
    }
}
