namespace Aiprod.Api.Contracts;

/// <summary>Credentials for a login.</summary>
/// <param name="Email">The sign-in address.</param>
/// <param name="Password">The password.</param>
public sealed record LoginRequest(string Email, string Password);
