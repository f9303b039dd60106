using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;

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
    UserId UserId,
    SessionId SessionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset FamilyExpiresAt,
    int Generation,
    RefreshTokenStatus Status,
    DateTimeOffset LastUsedAt);
