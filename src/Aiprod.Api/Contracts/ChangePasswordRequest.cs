namespace Aiprod.Api.Contracts;

/// <summary>A password change.</summary>
/// <param name="CurrentPassword">The password in use now.</param>
/// <param name="NewPassword">At least 12 characters, not containing the email address.</param>
public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);
