using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Sessions.Queries.FindRefreshSession;

/// <summary>The live session a refresh token belongs to.</summary>
public sealed record RefreshSession(SessionId SessionId, UserId UserId);

/// <summary>
/// The session a refresh token (from the browser-mode cookie) names, while that session is live, whatever the
/// token's own state: a spent token of a live session still speaks for it, because redeeming it again would end the
/// session (reuse detection), so a request carrying it must pass the same CSRF checks as one with the current token.
/// Null for anything else (unknown, too long, ended session), never an error.
/// </summary>
public sealed record FindRefreshSessionQuery(string? RefreshToken) : IQuery<RefreshSession?>;

public sealed class FindRefreshSessionQueryHandler(IRefreshTokenRepository tokens, IRefreshTokenGenerator generator, TimeProvider clock)
    : IQueryHandler<FindRefreshSessionQuery, RefreshSession?>
{
    public const int MaxTokenLength = 512;

    public async ValueTask<RefreshSession?> Handle(FindRefreshSessionQuery query, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(query.RefreshToken) || query.RefreshToken.Length > MaxTokenLength)
        {
            return null;
        }

        var token = await tokens.FindByHashAsync(generator.Hash(query.RefreshToken), cancellationToken);
        return token is not null && token.Family.IsActive(clock.GetUtcNow())
            ? new RefreshSession(token.Family.Id, token.Family.UserId)
            : null;
    }
}
