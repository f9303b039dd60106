using Aiprod.Domain.Common;
using Aiprod.Domain.Users;

namespace Aiprod.Domain.Sessions;

/// <summary>
/// One login: the line of refresh tokens that rotation produces from it, and the session the user sees and ends.
/// Access tokens carry its id (<c>sid</c>), so revoking the family also stops them.
/// </summary>
public sealed class RefreshTokenFamily : AggregateRoot
{
    public const int ClientAddressMaxLength = 64;
    public const int UserAgentMaxLength = 512;

    private RefreshTokenFamily()
    {
    }

    public SessionId Id { get; private set; }

    public UserId UserId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The absolute end of the session, whatever rotation does.</summary>
    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset LastUsedAt { get; private set; }

    public string? ClientAddress { get; private set; }

    public string? UserAgent { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public string? RevocationReason { get; private set; }

    /// <summary>
    /// Optimistic concurrency: incremented when the session ends. A refresh updates the family (its last use) with
    /// the version it read, so a refresh racing a revocation fails and decides again instead of issuing a token in
    /// an ended session; refreshes do not change it, so parallel refreshes of one session never conflict.
    /// </summary>
    public int Version { get; private set; }

    public bool IsRevoked => RevokedAt is not null;

    public bool IsActive(DateTimeOffset now) => !IsRevoked && now < ExpiresAt;

    public static RefreshTokenFamily Start(UserId userId, DateTimeOffset now, RefreshTokenPolicy policy, string? clientAddress, string? userAgent)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new RefreshTokenFamily
        {
            Id = SessionId.New(now),
            UserId = userId,
            CreatedAt = now,
            ExpiresAt = now + policy.FamilyLifetime,
            LastUsedAt = now,
            ClientAddress = Truncate(clientAddress, ClientAddressMaxLength),
            UserAgent = Truncate(userAgent, UserAgentMaxLength),
        };
    }

    /// <summary>Issues the first token of the family, or the child of a redeemed one; never past the family's cap.</summary>
    public Result<RefreshToken> Issue(string tokenHash, RefreshToken? parent, DateTimeOffset now, RefreshTokenPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!IsActive(now))
        {
            return SessionErrors.SessionEnded;
        }

        if (parent is not null && parent.FamilyId != Id)
        {
            throw new InvalidOperationException("A token's parent must belong to the same family.");
        }

        if (parent is { RedeemedAt: null })
        {
            // A child of a token that was never redeemed would leave two live tokens in one line, and a replay of
            // the parent would go unnoticed.
            throw new InvalidOperationException("Only a redeemed token has a child: redeem it first.");
        }

        var expires = now + policy.TokenLifetime;
        if (expires > ExpiresAt)
        {
            expires = ExpiresAt;
        }

        LastUsedAt = now;
        return RefreshToken.Create(this, tokenHash, parent, now, expires);
    }

    /// <summary>Records where the session was last used from (the latest refresh).</summary>
    public void Touch(DateTimeOffset now, string? clientAddress, string? userAgent)
    {
        LastUsedAt = now;
        ClientAddress = Truncate(clientAddress, ClientAddressMaxLength) ?? ClientAddress;
        UserAgent = Truncate(userAgent, UserAgentMaxLength) ?? UserAgent;
    }

    /// <summary>Ends the session. Revoking a revoked family keeps the first reason and time.</summary>
    public bool Revoke(DateTimeOffset now, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (IsRevoked)
        {
            return false;
        }

        RevokedAt = now;
        RevocationReason = reason;
        Version++;
        Raise(new SessionRevoked(Id));
        return true;
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
