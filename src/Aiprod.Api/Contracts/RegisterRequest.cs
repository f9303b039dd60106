namespace Aiprod.Api.Contracts;

/// <summary>A new account.</summary>
/// <param name="Email">The sign-in address; compared case-insensitively.</param>
/// <param name="Password">At least 12 characters, and not the email address.</param>
/// <param name="DisplayName">Optional name shown to others (at most 100 characters).</param>
public sealed record RegisterRequest(string Email, string Password, string? DisplayName);
