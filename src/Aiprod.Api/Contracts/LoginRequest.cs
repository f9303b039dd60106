using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>Credentials for a login.</summary>
/// <param name="Email">The sign-in address.</param>
/// <param name="Password">The password.</param>
/// <param name="RefreshTokenDelivery">`body` (default) or `cookie`: browser mode, the refresh token in an HttpOnly `__Host-` cookie instead of the body.</param>
[ValidatedAs(typeof(Aiprod.Application.Accounts.Commands.Login.LoginCommand))]
public sealed record LoginRequest(string Email, string Password, RefreshTokenDelivery? RefreshTokenDelivery = null) : IRequestExample<LoginRequest>
{
    public static LoginRequest Example => new("ann@example.com", "correct horse battery");
}
