using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Sessions;

/// <summary>
/// A signed-in user naming one of their own refresh tokens. Another user's token is treated as unknown, so the
/// answer never tells whether someone else's token exists.
/// </summary>
public static class OwnedRefreshTokens
{
    public static async Task<RefreshToken?> FindOwnedAsync(
        this IRefreshTokenRepository tokens, IRefreshTokenGenerator generator, UserId ownerId, string presented, CancellationToken cancellationToken)
    {
        var token = await tokens.FindByHashAsync(generator.Hash(presented), cancellationToken);
        return token is not null && token.Family.UserId == ownerId ? token : null;
    }
}
