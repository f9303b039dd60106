using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>A new account.</summary>
/// <param name="Email">The sign-in address; compared case-insensitively.</param>
/// <param name="Password">At least 12 characters, and not the email address.</param>
/// <param name="DisplayName">Optional name shown to others (at most 100 characters).</param>
[ValidatedAs(typeof(Aiprod.Application.Accounts.Commands.RegisterUser.RegisterUserCommand))]
public sealed record RegisterRequest(string Email, string Password, string? DisplayName) : IRequestExample<RegisterRequest>
{
    public static RegisterRequest Example => new("ann@example.com", "correct horse battery", "Ann");
}
