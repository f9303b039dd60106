namespace Aiprod.Application.ApiKeys;

/// <summary>Configuration section <c>ApiKeys:FailedLookups</c>: unknown keys one address may present before its look-ups stop.</summary>
public sealed class ApiKeyFailureLimitOptions
{
    /// <summary>Unknown keys per address per window; past it, unknown hashes are refused without a database look-up.</summary>
    public int PerAddress { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Addresses remembered at once; past it, those whose window has ended are dropped, then all if need be.</summary>
    public int MaxAddresses { get; set; } = 10_000;
}
