using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Tokens;

/// <summary>The one definition of a valid access token, used by the API's bearer scheme and by introspection.</summary>
public static class AccessTokenValidation
{
    /// <param name="keys">The signing key.</param>
    /// <param name="options">Issuer, audience and clock skew.</param>
    /// <param name="clock">The host's clock, which issued the token: its lifetime is checked against it too.</param>
    public static TokenValidationParameters CreateParameters(SigningKeyStore keys, JwtOptions options, TimeProvider clock) => new()
    {
        // The library checks lifetimes against the machine's clock; the host's (the one that issued the token) decides.
        LifetimeValidator = (notBefore, expires, _, parameters) => LifetimeIsValid(notBefore, expires, parameters.ClockSkew, clock.GetUtcNow().UtcDateTime),
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        IssuerSigningKey = keys.SecurityKey,
        // An allow-list of one: "none", HMAC with the public key as secret, or any other algorithm is refused.
        ValidAlgorithms = [SigningKeyStore.Algorithm],
        ValidTypes = [AccessTokenClaims.TokenType],
        ClockSkew = options.ClockSkew,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        NameClaimType = JwtRegisteredClaimNames.Sub,
        RoleClaimType = AccessTokenClaims.Role,
    };

    // Throws the library's own exceptions, so a refusal reads as it did (an expired token stays token_expired).
    private static bool LifetimeIsValid(DateTime? notBefore, DateTime? expires, TimeSpan skew, DateTime now)
    {
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        }

        if (notBefore is { } nbf && nbf > now + skew)
        {
            throw new SecurityTokenNotYetValidException($"The token is not valid before {nbf:O}.") { NotBefore = nbf };
        }

        if (exp < now - skew)
        {
            throw new SecurityTokenExpiredException($"The token expired at {exp:O}.") { Expires = exp };
        }

        return true;
    }
}
