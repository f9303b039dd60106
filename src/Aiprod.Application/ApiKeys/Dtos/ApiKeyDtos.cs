using Aiprod.Domain.ApiKeys;
using Riok.Mapperly.Abstractions;

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
    Guid KeyId,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    ApiKeyStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt,
    long UsageCount,
    Guid? ParentKeyId,
    DateTimeOffset? RotatedAt,
    DateTimeOffset? GraceEndsAt,
    DateTimeOffset? RevokedAt,
    string? RevocationReason);

/// <summary>A key just issued: the only answer that ever carries the key itself.</summary>
/// <param name="Key">The key. Store it now: it cannot be shown again.</param>
/// <param name="ApiKey">Its metadata.</param>
public sealed record IssuedApiKeyDto(string Key, ApiKeyDto ApiKey);

/// <summary>The caller's keys.</summary>
/// <param name="Keys">Newest first.</param>
/// <param name="Total">How many are listed.</param>
/// <param name="ActiveCount">How many of all the caller's keys are active.</param>
public sealed record ApiKeyListDto(IReadOnlyList<ApiKeyDto> Keys, int Total, int ActiveCount);

/// <summary>The outcome of revoke-all.</summary>
/// <param name="RevokedCount">How many keys stopped working.</param>
/// <param name="Timestamp">When.</param>
public sealed record RevokeAllResultDto(int RevokedCount, DateTimeOffset Timestamp);

/// <summary>Counts and usage of the caller's keys.</summary>
public sealed record ApiKeyStatsDto(
    int Total,
    IReadOnlyDictionary<string, int> ByStatus,
    DateTimeOffset? NextExpiration,
    long TotalUsage,
    int KeysUsed,
    DateTimeOffset? LastUsedAt);

/// <summary>One thing to do about the caller's keys.</summary>
/// <param name="Code">Stable code: `expiring_soon`, `unused_30_days`, `never_used`, `rotate_old_key`, `broad_scopes`, `too_many_keys`, `no_active_keys`.</param>
/// <param name="Severity">`high`, `medium` or `low`.</param>
/// <param name="Message">What to do, for a person.</param>
/// <param name="KeyIds">The keys it is about.</param>
public sealed record ApiKeyRecommendation(string Code, string Severity, string Message, IReadOnlyList<Guid> KeyIds);

/// <summary>The state of the caller's keys and what to do about it.</summary>
public sealed record ApiKeyHealthDto(
    bool HasActiveKeys,
    int ActiveKeys,
    bool ExpirationWarning,
    int UnusedKeys,
    IReadOnlyList<ApiKeyRecommendation> Recommendations);

[Mapper]
public static partial class ApiKeyMapper
{
    /// <summary>The status is the one at <paramref name="status"/>'s time, expiry included, not the stored one.</summary>
    [MapProperty(nameof(ApiKey.Id), nameof(ApiKeyDto.KeyId))]
    [MapperIgnoreSource(nameof(ApiKey.KeyHash))]
    [MapperIgnoreSource(nameof(ApiKey.OwnerId))]
    [MapperIgnoreSource(nameof(ApiKey.Status))]
    [MapperIgnoreSource(nameof(ApiKey.Version))]
    public static partial ApiKeyDto ToDto(this ApiKey key, ApiKeyStatus status);

    public static ApiKeyDto ToDtoAt(this ApiKey key, DateTimeOffset now) => key.ToDto(key.StatusAt(now));
}
