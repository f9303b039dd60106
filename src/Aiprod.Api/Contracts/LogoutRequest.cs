using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>The session to end: by its refresh token here, or (browser mode) by the refresh cookie.</summary>
/// <param name="RefreshToken">A refresh token of the session; leave it out to use the `__Host-aiprod-refresh` cookie (then `X-CSRF-Token` is required).</param>
[ValidatedAs(typeof(Aiprod.Application.Sessions.Commands.Logout.LogoutCommand))]
public sealed record LogoutRequest(string? RefreshToken = null) : IRequestExample<LogoutRequest>
{
    public static LogoutRequest Example => new("Hh4aUcd0TNwKJ5-Z0mIHG8aYlb7gH8eVKQ2mFj3xW9c");
}
