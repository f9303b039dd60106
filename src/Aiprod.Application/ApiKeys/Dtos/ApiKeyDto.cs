using Aiprod.Domain.ApiKeys;

namespace Aiprod.Application.ApiKeys.Dtos;

/// <summary>An API key as listed: never the key, never its hash.</summary>
/// <param name="KeyId">Its id, used in the routes.</param>
/// <param name="Name">What its owner called it.</param>
/// <param name="Prefix">The first characters of the key, to recognise it.</param>
/// <param name="Scopes">What it may do.</param>
/// <param name="Status">`active`, `rotated`, `revoked` or `expired`.</param>
/// <param name="CreatedAt">When it was issued.</param>
/// <param name="ExpiresAt">When it stops working.</param>
/// <param name="LastUsedAt">The last request it authenticated (flushed every few seconds).</param>
/// <param name="UsageCount">How many requests it authenticated.</param>
/// <param name="ParentKeyId">The key it replaced by rotation.</param>
/// <param name="RotatedAt">When it was replaced.</param>
/// <param name="GraceEndsAt">Until when it still works after a rotation.</param>
/// <param name="RevokedAt">When it was revoked.</param>
/// <param name="RevocationReason">Why, as given.</param>
public sealed record ApiKeyDto(
    ApiKeyId KeyId,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    ApiKeyStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt,
    long UsageCount,
    ApiKeyId? ParentKeyId,
    DateTimeOffset? RotatedAt,
    DateTimeOffset? GraceEndsAt,
    DateTimeOffset? RevokedAt,
    string? RevocationReason);
