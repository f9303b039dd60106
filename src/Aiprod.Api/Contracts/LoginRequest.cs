namespace Aiprod.Api.Contracts;

/// <summary>Credentials for a login.</summary>
/// <param name="Email">The sign-in address.</param>
/// <param name="Password">The password.</param>
/// <param name="RefreshTokenDelivery">`body` (default) or `cookie`: browser mode, the refresh token in an HttpOnly `__Host-` cookie instead of the body.</param>
public sealed record LoginRequest(string Email, string Password, RefreshTokenDelivery? RefreshTokenDelivery = null);
