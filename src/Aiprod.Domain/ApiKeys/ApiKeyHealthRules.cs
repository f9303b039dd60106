namespace Aiprod.Domain.ApiKeys;

/// <summary>When an active key deserves advice: each threshold is a named rule the health report applies.</summary>
public static class ApiKeyHealthRules
{
    public static readonly TimeSpan ExpiringWithin = TimeSpan.FromDays(7);
    public static readonly TimeSpan UnusedFor = TimeSpan.FromDays(30);
    public static readonly TimeSpan OldAfter = TimeSpan.FromDays(90);

    /// <summary>More active keys than this is advice to consolidate.</summary>
    public const int TooMany = 10;

    public static bool IsExpiringSoon(ApiKey key, DateTimeOffset now) => key.ExpiresAt - now <= ExpiringWithin;

    public static bool IsStale(ApiKey key, DateTimeOffset now) => key.LastUsedAt is { } used && now - used >= UnusedFor;

    public static bool IsNeverUsed(ApiKey key) => key.LastUsedAt is null;

    public static bool IsOld(ApiKey key, DateTimeOffset now) => now - key.CreatedAt >= OldAfter;

    public static bool HasBroadScopes(ApiKey key) => ApiKeyScopes.IsBroad(key.Scopes.ToList());

    public static bool AreTooMany(int activeKeys) => activeKeys > TooMany;
}
