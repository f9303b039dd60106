using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

public sealed record AccessToken(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>Signs short-lived JWT access tokens.</summary>
public interface IAccessTokenIssuer
{
    /// <param name="user">The subject.</param>
    /// <param name="sessionId">The refresh-token family the token belongs to, when it came from one.</param>
    /// <param name="sessionEndsAt">
    /// The absolute end of that session: the token expires at it if that comes before the usual lifetime, so no access
    /// token outlives the session it was issued in.
    /// </param>
    AccessToken Issue(User user, SessionId? sessionId, DateTimeOffset? sessionEndsAt);
}
