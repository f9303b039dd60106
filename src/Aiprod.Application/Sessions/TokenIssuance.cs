using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Sessions;

/// <summary>Issues an access token and the next refresh token of a family, as one answer; shared by login and refresh.</summary>
public sealed class TokenIssuance(
    IRefreshTokenRepository tokens,
    IRefreshTokenGenerator generator,
    IAccessTokenIssuer accessTokens,
    IOptions<RefreshTokenOptions> options,
    TimeProvider clock)
{
    public RefreshTokenPolicy Policy => options.Value.ToPolicy();

    /// <summary>Adds the new token to the unit of work; the caller saves.</summary>
    public Result<(TokenResponse Response, NewRefreshToken Refresh)> Issue(User user, RefreshTokenFamily family, RefreshToken? parent)
    {
        var now = clock.GetUtcNow();
        var refresh = generator.Generate();
        var issued = family.Issue(refresh.Hash, parent, now, Policy);
        if (!issued.IsSuccess)
        {
            return issued.Error;
        }

        tokens.Add(issued.Value);
        var access = accessTokens.Issue(user, family.Id, family.ExpiresAt);
        var response = new TokenResponse(
            access.Token,
            "Bearer",
            (int)(access.ExpiresAt - access.IssuedAt).TotalSeconds,
            access.IssuedAt,
            refresh.Token,
            (int)Math.Max(0, (issued.Value.ExpiresAt - now).TotalSeconds));
        return (response, refresh);
    }

    private static Dictionary<string, object?> AuditDetails(SessionId familyId, string hashPrefix, int? generation = null) => new()
    {
        ["family_id"] = familyId,
        ["token_hash_prefix"] = hashPrefix,
        ["generation"] = generation,
    };

    public static AuditEntry Audit(string eventType, AuditOutcome outcome, User user, SessionId familyId, string hashPrefix, int? generation = null) =>
        new(eventType, outcome, Target: familyId.ToString(), Details: AuditDetails(familyId, hashPrefix, generation), ActorKind: ActorKind.User, ActorId: user.Id.ToString());
}
