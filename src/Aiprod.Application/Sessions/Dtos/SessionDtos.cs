using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Sessions.Dtos;

/// <summary>What a refresh token is, without revealing it.</summary>
/// <param name="UserId">The owner.</param>
/// <param name="SessionId">The family (session) the token belongs to.</param>
/// <param name="CreatedAt">When this token was issued.</param>
/// <param name="ExpiresAt">When this token expires.</param>
/// <param name="FamilyExpiresAt">The session's absolute end; rotation never extends it.</param>
/// <param name="Generation">0 for the login's token, +1 per rotation.</param>
/// <param name="Status">`active`, `redeemed`, `expired` or `revoked`.</param>
/// <param name="LastUsedAt">The last time the session was refreshed.</param>
public sealed record TokenInfoDto(
    Guid UserId,
    Guid SessionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset FamilyExpiresAt,
    int Generation,
    RefreshTokenStatus Status,
    DateTimeOffset LastUsedAt);

/// <summary>A live session (one login and its refresh-token line).</summary>
/// <param name="SessionId">Its id, as in the `sid` claim of its access tokens.</param>
/// <param name="CreatedAt">When the login happened.</param>
/// <param name="LastUsedAt">The last refresh.</param>
/// <param name="ExpiresAt">Its absolute end.</param>
/// <param name="ClientAddress">Where it was last used from.</param>
/// <param name="UserAgent">The client it was last used with.</param>
/// <param name="Current">True for the session of the access token making this call.</param>
public sealed record SessionDto(
    Guid SessionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt,
    string? ClientAddress,
    string? UserAgent,
    bool Current);

/// <summary>The sessions that were ended.</summary>
/// <param name="RevokedCount">How many sessions were ended.</param>
public sealed record LogoutAllResponse(int RevokedCount);

/// <summary>RFC 7662 introspection answer; an inactive token answers only `active: false`.</summary>
public sealed record IntrospectionResponse(
    bool Active,
    string? TokenType = null,
    string? Sub = null,
    string? Username = null,
    long? Exp = null,
    long? Iat = null,
    string? Sid = null,
    string? Jti = null,
    string? Iss = null)
{
    public static IntrospectionResponse Inactive { get; } = new(false);
}
