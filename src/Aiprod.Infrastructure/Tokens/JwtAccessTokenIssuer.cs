using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Tokens;

internal sealed class JwtAccessTokenIssuer(SigningKeyStore keys, IOptions<JwtOptions> options, TimeProvider clock) : IAccessTokenIssuer
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public AccessToken Issue(User user, SessionId? sessionId, DateTimeOffset? sessionEndsAt)
    {
        var settings = options.Value;
        // JWT times have one-second resolution; round so that expires_in and exp agree exactly.
        var now = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds());
        var expires = now + settings.AccessTokenLifetime;
        if (sessionEndsAt is { } end && end < expires)
        {
            // Rounded down, so exp is never past the session's end; never before iat.
            expires = DateTimeOffset.FromUnixTimeSeconds(Math.Max(end.ToUnixTimeSeconds(), now.ToUnixTimeSeconds()));
        }
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            [JwtRegisteredClaimNames.Email] = user.Email.Value,
            [AccessTokenClaims.Role] = RoleNames.Of(user.Role),
        };
        if (sessionId is { } sid)
        {
            claims[AccessTokenClaims.Session] = sid.ToString();
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            TokenType = AccessTokenClaims.TokenType,
            SigningCredentials = keys.SigningCredentials,
        };
        return new AccessToken(handler.CreateToken(descriptor), now, expires);
    }
}
