namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>Configuration section <c>ApiKeys:Cache</c>.</summary>
public sealed class ApiKeyCacheOptions
{
    /// <summary>How long a look-up is trusted without a change notice; the backstop if a Redis message is lost.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Keys that were found (valid or not). Only keys that exist can fill it.</summary>
    public int Capacity { get; set; } = 50_000;

    /// <summary>
    /// Hashes that were not found, kept apart and smaller: invented keys cost nothing to make, so they must never push
    /// real keys out. When full it starts over, and only it.
    /// </summary>
    public int NegativeCapacity { get; set; } = 10_000;
}
