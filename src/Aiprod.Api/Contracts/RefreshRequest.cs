using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>A refresh: the token in the body, or (browser mode) none here and the refresh cookie sent by the browser.</summary>
/// <param name="RefreshToken">The refresh token; leave it out to use the `__Host-aiprod-refresh` cookie (then `X-CSRF-Token` is required).</param>
/// <param name="RefreshTokenDelivery">`body` (default) or `cookie`. A refresh authenticated by the cookie always answers in the cookie.</param>
[ValidatedAs(typeof(Aiprod.Application.Sessions.Commands.RefreshTokens.RefreshTokensCommand))]
public sealed record RefreshRequest(string? RefreshToken = null, RefreshTokenDelivery? RefreshTokenDelivery = null) : IRequestExample<RefreshRequest>
{
    public static RefreshRequest Example => new("Hh4aUcd0TNwKJ5-Z0mIHG8aYlb7gH8eVKQ2mFj3xW9c");
}
