namespace Aiprod.Domain.ApiKeys;

public enum ApiKeyStatus
{
    /// <summary>Accepted.</summary>
    Active,
    /// <summary>Replaced by a rotation: still accepted until its grace period ends.</summary>
    Rotated,
    /// <summary>Revoked by its owner or an admin: refused.</summary>
    Revoked,
    /// <summary>Past its expiry: refused.</summary>
    Expired,
}
