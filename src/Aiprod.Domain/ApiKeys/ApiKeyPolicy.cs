namespace Aiprod.Domain.ApiKeys;

/// <param name="DefaultLifetime">Lifetime of a key whose creator names none (90 days).</param>
/// <param name="MaxLifetime">The longest lifetime a creator may ask for.</param>
/// <param name="MaxGracePeriod">The longest a rotated key may keep working (one day).</param>
public sealed record ApiKeyPolicy(TimeSpan DefaultLifetime, TimeSpan MaxLifetime, TimeSpan MaxGracePeriod)
{
    public static ApiKeyPolicy Default { get; } = new(TimeSpan.FromDays(90), TimeSpan.FromDays(365), TimeSpan.FromDays(1));
}
