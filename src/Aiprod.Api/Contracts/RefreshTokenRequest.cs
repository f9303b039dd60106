using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>A refresh token to redeem or revoke.</summary>
/// <param name="RefreshToken">The opaque refresh token from a login or an earlier refresh.</param>
[ValidatedAs(typeof(Aiprod.Application.Sessions.Commands.RefreshTokens.RefreshTokensCommand))]
public sealed record RefreshTokenRequest(string RefreshToken) : IRequestExample<RefreshTokenRequest>
{
    public static RefreshTokenRequest Example => new("Hh4aUcd0TNwKJ5-Z0mIHG8aYlb7gH8eVKQ2mFj3xW9c");
}
