using StackExchange.Redis;

namespace Aiprod.Infrastructure;

/// <summary>Configuration section <c>Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>StackExchange.Redis connection string; empty means no Redis (one instance, everything in memory).</summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>How long one command (a rate-limit count, a publish, a ping) may take before it counts as a failure.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a (re)connection attempt may take; connecting happens in the background, never on a request.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the circuit stays open (Redis skipped by every caller) before one call probes it again.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Options for StackExchange.Redis that keep a stalled or dead server from holding anyone up.</summary>
    public ConfigurationOptions ToConnectionOptions()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        // The API starts, and serves, without Redis; the multiplexer keeps reconnecting in the background.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        options.AsyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        options.SyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        // By default commands queue while disconnected until their timeout; failing at once lets the circuit open
        // and callers fall back without each of them waiting first.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }
}
