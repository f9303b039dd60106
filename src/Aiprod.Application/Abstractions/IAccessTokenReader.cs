using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

/// <summary>What a valid access token of ours says (signature, issuer, audience and lifetime checked).</summary>
public sealed record AccessTokenClaimsDto(UserId UserId, SessionId? SessionId, string TokenId, string? Email, string? Role, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

public interface IAccessTokenReader
{
    Task<AccessTokenClaimsDto?> ReadAsync(string token);
}
