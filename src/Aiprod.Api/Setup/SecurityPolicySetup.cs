using Aiprod.Api.Security;
using Aiprod.Api.WebSockets;
using Aiprod.Application.Accounts;
using Aiprod.Application.ApiKeys;
using Aiprod.Application.ApiKeys.Commands.RotateApiKey;
using Aiprod.Application.Exports;
using Aiprod.Application.Sessions;
using Aiprod.Infrastructure.ApiKeys;
using Aiprod.Infrastructure.Security;
using Aiprod.Infrastructure.Sessions;
using Aiprod.Infrastructure.Tokens;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.Setup;

/// <summary>
/// The sections of <c>GET /security/policy</c>, each read from the options the feature itself is bound to (so the answer
/// is the configuration in force, not a copy). Secrets (signing keys, connection strings, passwords) are never read here.
/// </summary>
internal static class SecurityPolicySetup
{
    public static IServiceCollection AddAiprodSecurityPolicy(this IServiceCollection services)
    {
        services.AddSecurityPolicySection("access_tokens", sp =>
        {
            var jwt = sp.GetRequiredService<IOptions<JwtOptions>>().Value;
            return new AccessTokenPolicyDto(
                "ES256",
                Seconds(jwt.AccessTokenLifetime),
                Seconds(jwt.ClockSkew),
                jwt.Issuer,
                jwt.Audience,
                string.IsNullOrWhiteSpace(jwt.SigningKeyPem) ? "generated" : "configuration",
                "/.well-known/jwks.json");
        });
        services.AddSecurityPolicySection("refresh_tokens", sp =>
        {
            var refresh = sp.GetRequiredService<IOptions<RefreshTokenOptions>>().Value;
            return new RefreshTokenPolicyDto(
                Seconds(refresh.TokenLifetime),
                Seconds(refresh.FamilyLifetime),
                Seconds(refresh.ReuseLeeway),
                "every refresh issues a new token and redeems the old one",
                "a redeemed token presented after the leeway revokes its whole family (session)",
                256,
                "SHA-256",
                Seconds(sp.GetRequiredService<IOptions<SessionRevocationOptions>>().Value.ReloadInterval),
                sp.GetRequiredService<IOptions<PasswordGrantOptions>>().Value.Enabled);
        });
        services.AddSecurityPolicySection("passwords", sp => new PasswordPolicyDto(
            PasswordRules.MinLength,
            PasswordRules.MaxLength,
            [$"at least {PasswordRules.MinLength} characters", $"at most {PasswordRules.MaxLength} characters", "must not be or contain the email address"],
            new PasswordHashingDto(
                "PBKDF2-HMAC-SHA512 (ASP.NET Core Identity v3 format)",
                sp.GetRequiredService<IOptions<PasswordHashingOptions>>().Value.Iterations,
                PasswordHashingOptions.MinimumIterations,
                128,
                "a hash with fewer iterations than configured is replaced at the next successful login")));
        services.AddSecurityPolicySection("lockout", sp =>
        {
            var lockout = sp.GetRequiredService<IOptions<LockoutOptions>>().Value;
            return new LockoutPolicyDto(lockout.MaxFailedAttempts, Seconds(lockout.Duration), "consecutive failed logins and wrong current passwords, each counted atomically");
        });
        services.AddSecurityPolicySection("api_keys", sp =>
        {
            var keys = sp.GetRequiredService<IOptions<ApiKeyOptions>>().Value;
            var failures = sp.GetRequiredService<ApiKeyFailureLimitOptions>();
            return new ApiKeyPolicyDto(
                new ApiKeyFormatDto(ApiKeyFormat.Marker, ApiKeyFormat.Length, "base62 (0-9, A-Z, a-z)", 256, $"CRC32 of the rest, {ApiKeyFormat.ChecksumLength} base62 characters", ApiKeyFormat.DisplayPrefixLength),
                "SHA-256",
                keys.DefaultLifetimeDays,
                keys.MaxLifetimeDays,
                keys.MaxActiveKeysPerUser,
                RotateApiKeyCommandValidator.MaxGraceSeconds,
                failures.PerAddress,
                Seconds(failures.Window));
        });
        services.AddSecurityPolicySection("rate_limits", sp =>
        {
            var limits = sp.GetRequiredService<IOptions<RateLimitOptions>>().Value;
            var window = Seconds(limits.Window);
            return new RateLimitPolicyDto(
                limits.Enabled,
                window,
                "the authenticated user on endpoints that require authentication, else the client address (X-Forwarded-For only from a trusted proxy); shared by all instances when Redis is configured",
                [.. RateLimitPolicies.Defaults.Keys.Order(StringComparer.Ordinal).Select(p => new RateLimitEntryDto(p, limits.PermitsFor(p), window))]);
        });
        services.AddSecurityPolicySection("web_sockets", sp =>
        {
            var sockets = sp.GetRequiredService<IOptions<JobSocketOptions>>().Value;
            return new SocketPolicyDto(
                sockets.AllowedOrigins,
                sockets.MaxConnections,
                sockets.MaxSocketsPerUser,
                sockets.MaxMessageBytes,
                Seconds(sockets.KeepAliveInterval),
                Seconds(sockets.EffectiveKeepAliveTimeout),
                Seconds(sockets.CredentialCheckInterval),
                Seconds(sockets.SendTimeout));
        });
        services.AddSecurityPolicySection("exports", sp =>
        {
            var exports = sp.GetRequiredService<IOptions<ExportOptions>>().Value;
            return new ExportPolicyDto(
                exports.MaxBytes,
                exports.MaxDirectJobs,
                exports.MaxZipJobs,
                exports.MaxConcurrentDirectPerUser,
                exports.MaxRunningPerUser,
                exports.MaxQueuedPerUser,
                Seconds(exports.Retention));
        });
        services.AddSecurityPolicySection("audit_chain", sp =>
        {
            var audit = sp.GetRequiredService<IOptions<Aiprod.Infrastructure.Audit.AuditOptions>>().Value;
            return new AuditChainPolicyDto(
                "every audit event gets a gap-free seq and hash = SHA-256(canonical(event) || previous hash), sealed after its commit",
                audit.SealerEnabled,
                Seconds(audit.SealInterval),
                audit.CheckpointEveryEvents,
                Seconds(audit.CheckpointInterval),
                "ES256",
                sp.GetRequiredService<Aiprod.Infrastructure.Audit.AuditSigningKey>().KeyId,
                string.IsNullOrWhiteSpace(audit.SigningKeyPem) ? "generated" : "configuration",
                "GET /security/audit-log/verify (admin) and the host command verify-audit");
        });
        return services;
    }

    /// <summary>Adds one section to <c>GET /security/policy</c>; its record must hold no secret.</summary>
    public static IServiceCollection AddSecurityPolicySection<TRecord>(this IServiceCollection services, string name, Func<IServiceProvider, TRecord> describe)
        where TRecord : class =>
        services.AddSingleton(new SecurityPolicySection(name, typeof(TRecord), sp => describe(sp)));

    private static long Seconds(TimeSpan value) => (long)value.TotalSeconds;
}
