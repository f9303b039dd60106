namespace Aiprod.Application.Accounts.Dtos;

/// <summary>The tokens of a login or refresh (RFC 6749 §5.1 names).</summary>
/// <param name="AccessToken">A JWT (`typ` `at+jwt`) to send as `Authorization: Bearer …`.</param>
/// <param name="TokenType">Always `Bearer`.</param>
/// <param name="ExpiresIn">Seconds until the access token expires.</param>
/// <param name="IssuedAt">When the tokens were issued (UTC).</param>
/// <param name="RefreshToken">An opaque refresh token, when one was issued.</param>
/// <param name="RefreshExpiresIn">Seconds until the refresh token expires.</param>
public sealed record TokenResponse(
    string AccessToken,
    string TokenType,
    int ExpiresIn,
    DateTimeOffset IssuedAt,
    string? RefreshToken = null,
    int? RefreshExpiresIn = null);
