using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Tokens;

/// <summary>The one definition of a valid access token, used by the API's bearer scheme and by introspection.</summary>
public static class AccessTokenValidation
{
    public static TokenValidationParameters CreateParameters(SigningKeyStore keys, JwtOptions options) => new()
    {
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
}
