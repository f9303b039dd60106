using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>A password change.</summary>
/// <param name="CurrentPassword">The password in use now.</param>
/// <param name="NewPassword">At least 12 characters, not containing the email address.</param>
[ValidatedAs(typeof(Aiprod.Application.Accounts.Commands.ChangePassword.ChangePasswordCommand))]
public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword) : IRequestExample<ChangePasswordRequest>
{
    public static ChangePasswordRequest Example => new("correct horse battery", "staple gun riverbank 42");
}
