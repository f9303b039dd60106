using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

public sealed record AccessToken(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>Signs short-lived JWT access tokens.</summary>
public interface IAccessTokenIssuer
{
    /// <param name="user">The subject.</param>
    /// <param name="sessionId">The refresh-token family the token belongs to, when it came from one.</param>
    AccessToken Issue(User user, Guid? sessionId);
}
