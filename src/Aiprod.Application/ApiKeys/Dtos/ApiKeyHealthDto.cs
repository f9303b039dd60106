using Aiprod.Domain.ApiKeys;

namespace Aiprod.Application.ApiKeys.Dtos;

/// <summary>The state of the caller's keys and what to do about it.</summary>
public sealed record ApiKeyHealthDto(
    bool HasActiveKeys,
    int ActiveKeys,
    bool ExpirationWarning,
    int UnusedKeys,
    IReadOnlyList<ApiKeyRecommendation> Recommendations);

/// <summary>One thing to do about the caller's keys.</summary>
/// <param name="Code">Stable code: `expiring_soon`, `unused_30_days`, `never_used`, `rotate_old_key`, `broad_scopes`, `too_many_keys`, `no_active_keys`.</param>
/// <param name="Severity">`high`, `medium` or `low`.</param>
/// <param name="Message">What to do, for a person.</param>
/// <param name="KeyIds">The keys it is about.</param>
public sealed record ApiKeyRecommendation(string Code, string Severity, string Message, IReadOnlyList<ApiKeyId> KeyIds);
