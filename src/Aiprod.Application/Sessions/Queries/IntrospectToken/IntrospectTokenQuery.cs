using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Sessions.Queries.IntrospectToken;

/// <summary>
/// RFC 7662. The caller must be authenticated; a token is reported active only to its owner or an admin, so
/// introspection cannot be used to learn about other people's tokens (§4).
/// </summary>
public sealed record IntrospectTokenQuery(UserId CallerId, bool CallerIsAdmin, string Token, string? TokenTypeHint) : IQuery<IntrospectionResponse>;

public sealed class IntrospectTokenQueryHandler(
    IRefreshTokenRepository tokens,
    IRefreshTokenGenerator generator,
    IAccessTokenReader accessTokens,
    ISessionRevocations revocations,
    IUserRepository users,
    TimeProvider clock) : IQueryHandler<IntrospectTokenQuery, IntrospectionResponse>
{
    public async ValueTask<IntrospectionResponse> Handle(IntrospectTokenQuery query, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(query.Token) || query.Token.Length > 4096)
        {
            return IntrospectionResponse.Inactive;
        }

        var answer = query.TokenTypeHint == "access_token"
            ? await AccessAsync(query) ?? await RefreshAsync(query, cancellationToken)
            : await RefreshAsync(query, cancellationToken) ?? await AccessAsync(query);
        return answer ?? IntrospectionResponse.Inactive;
    }

    private static bool IsVisibleTo(IntrospectTokenQuery query, UserId owner) => query.CallerIsAdmin || owner == query.CallerId;

    private async Task<IntrospectionResponse?> RefreshAsync(IntrospectTokenQuery query, CancellationToken cancellationToken)
    {
        var token = await tokens.FindByHashAsync(generator.Hash(query.Token), cancellationToken);
        if (token is null || token.StatusAt(clock.GetUtcNow()) != RefreshTokenStatus.Active || !IsVisibleTo(query, token.Family.UserId))
        {
            return null;
        }

        var owner = await users.FindByIdAsync(token.Family.UserId, cancellationToken);
        return new IntrospectionResponse(
            true,
            "refresh_token",
            token.Family.UserId.ToString(),
            owner?.Email.Value,
            token.ExpiresAt.ToUnixTimeSeconds(),
            token.CreatedAt.ToUnixTimeSeconds(),
            token.FamilyId.ToString());
    }

    private async Task<IntrospectionResponse?> AccessAsync(IntrospectTokenQuery query)
    {
        var claims = await accessTokens.ReadAsync(query.Token);
        if (claims is null || (claims.SessionId is { } sid && revocations.IsRevoked(sid)) || !IsVisibleTo(query, claims.UserId))
        {
            return null;
        }

        return new IntrospectionResponse(
            true,
            "access_token",
            claims.UserId.ToString(),
            claims.Email,
            claims.ExpiresAt.ToUnixTimeSeconds(),
            claims.IssuedAt.ToUnixTimeSeconds(),
            claims.SessionId?.ToString(),
            claims.TokenId);
    }
}
