using System.Security.Claims;
using Aiprod.Api.Authentication;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Api.Http;

internal static class ClaimsPrincipalExtensions
{
    /// <summary>The authenticated subject; only called behind [Authorize], where the claim is guaranteed by token validation.</summary>
    public static UserId RequireUserId(this ClaimsPrincipal principal) =>
        new(Guid.Parse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub)
            ?? throw new InvalidOperationException("An authenticated principal without a subject claim.")));

    /// <summary>The key that authenticated the request; only called behind a policy that admits API keys alone.</summary>
    public static ApiKeyId RequireApiKeyId(this ClaimsPrincipal principal) =>
        new(Guid.Parse(principal.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim)
            ?? throw new InvalidOperationException("An API-key principal without a key id claim.")));

    /// <summary>The session (refresh-token family) of the access token, when the caller has one.</summary>
    public static SessionId? SessionId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(Aiprod.Application.Abstractions.AccessTokenClaimTypes.Session), out var sid) ? new SessionId(sid) : null;
}
