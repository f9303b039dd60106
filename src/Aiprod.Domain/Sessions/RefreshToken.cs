namespace Aiprod.Domain.Sessions;

public enum RefreshTokenStatus
{
    /// <summary>Not used yet: redeeming it issues its successor.</summary>
    Active,
    /// <summary>Used once and replaced by its successor; presented again, it counts as reuse.</summary>
    Redeemed,
    /// <summary>Past its lifetime: refused.</summary>
    Expired,
    /// <summary>Its session was ended (logout, reuse detected, password change, an admin): refused.</summary>
    Revoked,
}

public enum RedemptionOutcome
{
    /// <summary>First use: the token is now redeemed and its child may be issued.</summary>
    Redeemed,

    /// <summary>Already redeemed, but within the leeway: a concurrent refresh of the same client, answered with a sibling.</summary>
    RedeemedWithinLeeway,

    /// <summary>Already redeemed, past the leeway: a replay. The family must be revoked.</summary>
    Reused,

    Expired,
}

/// <summary>
/// One generation of a family. Only the SHA-256 of the token is kept; the token itself exists only in the
/// answer that issued it.
/// </summary>
public sealed class RefreshToken
{
    private RefreshToken()
    {
        TokenHash = string.Empty;
    }

    public Guid Id { get; private set; }

    public SessionId FamilyId { get; private set; }

    public RefreshTokenFamily Family { get; private set; } = null!;

    /// <summary>Lower-case hex SHA-256 of the token.</summary>
    public string TokenHash { get; private set; }

    public Guid? ParentId { get; private set; }

    /// <summary>0 for the login's token, parent's + 1 for each rotation.</summary>
    public int Generation { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>Set once, by the first redemption; the persistence layer uses it as the concurrency token.</summary>
    public DateTimeOffset? RedeemedAt { get; private set; }

    /// <summary>A short, non-reversible label for audit events; never the token.</summary>
    public string HashPrefix => TokenHash[..8];

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    public RefreshTokenStatus StatusAt(DateTimeOffset now) =>
        Family.IsRevoked ? RefreshTokenStatus.Revoked
        : RedeemedAt is not null ? RefreshTokenStatus.Redeemed
        : IsExpired(now) || now >= Family.ExpiresAt ? RefreshTokenStatus.Expired
        : RefreshTokenStatus.Active;

    internal static RefreshToken Create(RefreshTokenFamily family, string tokenHash, RefreshToken? parent, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenHash);
        return new RefreshToken
        {
            Id = Guid.CreateVersion7(now),
            FamilyId = family.Id,
            Family = family,
            TokenHash = tokenHash,
            ParentId = parent?.Id,
            Generation = parent is null ? 0 : parent.Generation + 1,
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
    }

    /// <summary>Marks the token redeemed, or says why it cannot be. The caller revokes the family on <see cref="RedemptionOutcome.Reused"/>.</summary>
    public RedemptionOutcome Redeem(DateTimeOffset now, TimeSpan leeway)
    {
        if (RedeemedAt is { } redeemed)
        {
            return now - redeemed <= leeway ? RedemptionOutcome.RedeemedWithinLeeway : RedemptionOutcome.Reused;
        }

        if (IsExpired(now))
        {
            return RedemptionOutcome.Expired;
        }

        RedeemedAt = now;
        return RedemptionOutcome.Redeemed;
    }
}
