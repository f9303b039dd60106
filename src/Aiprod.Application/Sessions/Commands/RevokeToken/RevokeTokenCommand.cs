using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.RevokeToken;

/// <summary>
/// RFC 7009 revocation: possession of the token is the authority. A refresh token or an access token ends its
/// session; an unknown token is not an error (§2.2), so the answer never tells whether a token existed.
/// </summary>
public sealed record RevokeTokenCommand(string Token, string? TokenTypeHint) : ICommand<Done>, IRetryOnConflict;

public sealed class RevokeTokenCommandHandler(
    IRefreshTokenRepository tokens,
    IRefreshTokenGenerator generator,
    IAccessTokenReader accessTokens,
    SessionRevoker revoker) : ICommandHandler<RevokeTokenCommand, Done>
{
    public async ValueTask<Done> Handle(RevokeTokenCommand command, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(command.Token) || command.Token.Length > 4096)
        {
            return Done.Value;
        }

        // The hint only orders the look-ups (§2.1): a wrong hint still finds the token.
        Func<string, CancellationToken, Task<bool>>[] lookups = command.TokenTypeHint == "access_token"
            ? [RevokeAccessAsync, RevokeRefreshAsync]
            : [RevokeRefreshAsync, RevokeAccessAsync];
        foreach (var revoke in lookups)
        {
            if (await revoke(command.Token, cancellationToken))
            {
                break;
            }
        }

        return Done.Value;
    }

    private async Task<bool> RevokeRefreshAsync(string token, CancellationToken cancellationToken)
    {
        var found = await tokens.FindByHashAsync(generator.Hash(token), cancellationToken);
        if (found is null)
        {
            return false;
        }

        revoker.Revoke([found.Family], "oauth_revocation", AuditEventTypes.SessionRevoked,
            new Dictionary<string, object?> { ["token_hash_prefix"] = found.HashPrefix, ["token_type"] = "refresh_token" });
        return true;
    }

    private async Task<bool> RevokeAccessAsync(string token, CancellationToken cancellationToken)
    {
        if (await accessTokens.ReadAsync(token) is not { SessionId: { } sessionId })
        {
            return false;
        }

        var family = await tokens.FindFamilyAsync(sessionId, cancellationToken);
        if (family is null)
        {
            return false;
        }

        revoker.Revoke([family], "oauth_revocation", AuditEventTypes.SessionRevoked,
            new Dictionary<string, object?> { ["token_type"] = "access_token" });
        return true;
    }
}
