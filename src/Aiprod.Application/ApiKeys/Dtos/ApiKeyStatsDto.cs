namespace Aiprod.Application.ApiKeys.Dtos;

/// <summary>Counts and usage of the caller's keys.</summary>
public sealed record ApiKeyStatsDto(
    int Total,
    IReadOnlyDictionary<string, int> ByStatus,
    DateTimeOffset? NextExpiration,
    long TotalUsage,
    int KeysUsed,
    DateTimeOffset? LastUsedAt);
