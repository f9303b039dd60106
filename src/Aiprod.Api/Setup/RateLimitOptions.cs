namespace Aiprod.Api.Setup;

/// <summary>Configuration section <c>RateLimits</c>.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    public bool Enabled { get; set; } = true;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Policy name → permits per window; missing names take <see cref="RateLimitPolicies.Defaults"/>.</summary>
    public Dictionary<string, int> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public int PermitsFor(string policy) =>
        Policies.TryGetValue(policy, out var permits) ? permits : RateLimitPolicies.Defaults[policy];
}
