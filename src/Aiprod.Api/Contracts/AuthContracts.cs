namespace Aiprod.Api.Contracts;

/// <summary>A new account.</summary>
/// <param name="Email">The sign-in address; compared case-insensitively.</param>
/// <param name="Password">At least 12 characters, and not the email address.</param>
/// <param name="DisplayName">Optional name shown to others (at most 100 characters).</param>
public sealed record RegisterRequest(string Email, string Password, string? DisplayName);

/// <summary>Credentials for a login.</summary>
/// <param name="Email">The sign-in address.</param>
/// <param name="Password">The password.</param>
public sealed record LoginRequest(string Email, string Password);

/// <summary>A refresh token to redeem or revoke.</summary>
/// <param name="RefreshToken">The opaque refresh token from a login or an earlier refresh.</param>
public sealed record RefreshTokenRequest(string RefreshToken);

/// <summary>A password change.</summary>
/// <param name="CurrentPassword">The password in use now.</param>
/// <param name="NewPassword">At least 12 characters, not containing the email address.</param>
public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

/// <summary>The caller's live sessions.</summary>
/// <param name="Sessions">Most recently used first.</param>
public sealed record SessionListResponse(IReadOnlyList<Aiprod.Application.Sessions.Dtos.SessionDto> Sessions);
