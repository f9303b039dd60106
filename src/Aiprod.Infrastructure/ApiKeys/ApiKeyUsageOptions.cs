namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>Configuration section <c>ApiKeys:Usage</c>.</summary>
public sealed class ApiKeyUsageOptions
{
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the flushes of a shutdown may take in all. A stalled database would otherwise hold the stop (a
    /// SQLite file locked by another process waits out each command's timeout; a SQL Server retries), past the
    /// orchestrator's grace period; the counts that cannot be written by then are lost with the process.
    /// </summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
