using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Sessions.Dtos;

/// <summary>A live session (one login and its refresh-token line).</summary>
/// <param name="SessionId">Its id, as in the `sid` claim of its access tokens.</param>
/// <param name="CreatedAt">When the login happened.</param>
/// <param name="LastUsedAt">The last refresh.</param>
/// <param name="ExpiresAt">Its absolute end.</param>
/// <param name="ClientAddress">Where it was last used from.</param>
/// <param name="UserAgent">The client it was last used with.</param>
/// <param name="Current">True for the session of the access token making this call.</param>
public sealed record SessionDto(
    SessionId SessionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt,
    string? ClientAddress,
    string? UserAgent,
    bool Current)
{
    /// <summary>Live sessions as every list shows them: most recently used first, <paramref name="current"/> marked.</summary>
    public static IReadOnlyList<SessionDto> ListOf(IEnumerable<RefreshTokenFamily> families, SessionId? current) =>
        families
            .OrderByDescending(f => f.LastUsedAt)
            .Select(f => new SessionDto(f.Id, f.CreatedAt, f.LastUsedAt, f.ExpiresAt, f.ClientAddress, f.UserAgent, f.Id == current))
            .ToList();
}
