using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Infrastructure.Tokens;

internal sealed class JwtAccessTokenReader(SigningKeyStore keys, IOptions<JwtOptions> options, CachingJsonWebTokenHandler handler, TimeProvider clock) : IAccessTokenReader
{
    public async Task<AccessTokenClaimsDto?> ReadAsync(string token)
    {
        var result = await handler.ValidateTokenAsync(token, AccessTokenValidation.CreateParameters(keys, options.Value, clock));
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || !Guid.TryParse(jwt.Subject, out var userId))
        {
            return null;
        }

        SessionId? sessionId = jwt.TryGetPayloadValue<string>(AccessTokenClaims.Session, out var sid) && Guid.TryParse(sid, out var parsed) ? new SessionId(parsed) : null;
        jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Email, out var email);
        jwt.TryGetPayloadValue<string>(AccessTokenClaims.Role, out var role);
        return new AccessTokenClaimsDto(new UserId(userId), sessionId, jwt.Id, email, role, new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero), new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
    }
}
