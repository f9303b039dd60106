namespace Aiprod.Application.Abstractions;

/// <summary>
/// A fixed-window counter shared by every instance (Redis), for rate limits that hold across instances. Absent when
/// no shared store is configured.
/// </summary>
public interface ISharedRateLimitCounter
{
    /// <summary>True while the store is being skipped after failures: callers decide on their own at once.</summary>
    bool IsSkipping { get; }

    /// <summary>Counts one hit on <paramref name="key"/>, which expires after <paramref name="window"/>; null when the store did not answer.</summary>
    ValueTask<long?> IncrementAsync(string key, TimeSpan window);
}
