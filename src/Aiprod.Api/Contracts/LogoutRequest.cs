namespace Aiprod.Api.Contracts;

/// <summary>The session to end: by its refresh token here, or (browser mode) by the refresh cookie.</summary>
/// <param name="RefreshToken">A refresh token of the session; leave it out to use the `__Host-aiprod-refresh` cookie (then `X-CSRF-Token` is required).</param>
public sealed record LogoutRequest(string? RefreshToken = null);
