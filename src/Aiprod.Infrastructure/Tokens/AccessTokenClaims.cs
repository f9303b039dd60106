namespace Aiprod.Infrastructure.Tokens;

/// <summary>What our access tokens carry besides the registered claims, shared by issuer and verifier.</summary>
public static class AccessTokenClaims
{
    /// <summary>RFC 9068 media type of a JWT access token; verifiers require it so an ID token or other JWT is never accepted.</summary>
    public const string TokenType = "at+jwt";

    /// <summary>The refresh-token family (session) the token was issued from.</summary>
    public const string Session = Application.Abstractions.AccessTokenClaimTypes.Session;

    public const string Role = "role";
}
