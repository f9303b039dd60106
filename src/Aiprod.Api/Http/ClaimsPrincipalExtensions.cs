using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Api.Http;

internal static class ClaimsPrincipalExtensions
{
    /// <summary>The authenticated subject; only called behind [Authorize], where the claim is guaranteed by token validation.</summary>
    public static Guid RequireUserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub)
            ?? throw new InvalidOperationException("An authenticated principal without a subject claim."));

    /// <summary>The session (refresh-token family) of the access token, when the caller has one.</summary>
    public static Guid? SessionId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(Aiprod.Application.Abstractions.AccessTokenClaimTypes.Session), out var sid) ? sid : null;
}
