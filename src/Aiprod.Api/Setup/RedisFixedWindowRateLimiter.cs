using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Aiprod.Api.Setup;

/// <summary>
/// A fixed-window limiter whose counter lives in Redis, so a limit holds across every API instance: one
/// atomic INCR (with the window's expiry set on the first hit) per request. If Redis does not answer, the
/// request is let through and a warning logged: the limit protects us from abuse, and refusing every request
/// because the counter store is down would be the bigger outage.
/// </summary>
internal sealed class RedisFixedWindowRateLimiter(
    IConnectionMultiplexer redis,
    string partition,
    int permitLimit,
    TimeSpan window,
    TimeProvider clock,
    ILogger logger) : RateLimiter
{
    private const string IncrementScript =
        "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return c";

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => null;

    /// <summary>Never decides synchronously: the middleware then asks <see cref="AcquireAsyncCore"/>.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => Lease.Pending;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var windowIndex = now / windowMs;
        var key = $"aiprod:ratelimit:{partition}:{windowIndex}";
        long count;
        try
        {
            count = (long)await redis.GetDatabase().ScriptEvaluateAsync(IncrementScript, [key], [windowMs]);
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Rate-limit counter unavailable; letting the request through");
            return Lease.Granted;
        }

        if (count <= permitLimit)
        {
            return Lease.Granted;
        }

        var retryAfter = TimeSpan.FromMilliseconds(((windowIndex + 1) * windowMs) - now);
        return new Lease(false, retryAfter);
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);
        public static readonly Lease Pending = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
