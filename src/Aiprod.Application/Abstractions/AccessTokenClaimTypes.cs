namespace Aiprod.Application.Abstractions;

/// <summary>Claim names of our access tokens that readers outside the token code need.</summary>
public static class AccessTokenClaimTypes
{
    /// <summary>The refresh-token family (session) the token was issued from.</summary>
    public const string Session = "sid";
}
