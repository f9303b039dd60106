namespace Aiprod.Api.Contracts;

/// <summary>A refresh token to redeem or revoke.</summary>
/// <param name="RefreshToken">The opaque refresh token from a login or an earlier refresh.</param>
public sealed record RefreshTokenRequest(string RefreshToken);
