namespace Aiprod.Infrastructure.Tokens;

/// <summary>Configuration section <c>Jwt</c>.</summary>
public sealed class JwtOptions
{
    public const string SectionName = "Jwt";

    public string Issuer { get; set; } = "aiprod";

    public string Audience { get; set; } = "aiprod-api";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Tolerated clock difference between us and a verifier; capped at 30 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// PEM of an EC P-256 private key (for ES256). When empty, a key is generated once and kept in the data folder,
    /// so tokens survive a restart. In production set it from a secret store.
    /// </summary>
    public string? SigningKeyPem { get; set; }
}
