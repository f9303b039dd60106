using System.Threading.RateLimiting;
using Aiprod.Infrastructure;

namespace Aiprod.Api.Setup;

/// <summary>
/// A fixed-window limiter whose counter lives in Redis, so a limit holds across every API instance: one atomic INCR
/// (with the window's expiry set on the first hit) per request, through <see cref="RedisCircuit"/>. When Redis does
/// not answer, or is being skipped, this instance counts on its own in memory: the limit then holds per instance,
/// rather than not at all, and a dead Redis costs no wait per request.
/// </summary>
internal sealed class RedisFixedWindowRateLimiter : ReplenishingRateLimiter
{
    private const string IncrementScript =
        "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return c";

    private readonly RedisCircuit redis;
    private readonly string partition;
    private readonly int permitLimit;
    private readonly TimeSpan window;
    private readonly TimeProvider clock;
    private readonly FixedWindowRateLimiter fallback;
    private long lastUsed;

    public RedisFixedWindowRateLimiter(RedisCircuit redis, string partition, int permitLimit, TimeSpan window, TimeProvider clock)
    {
        this.redis = redis;
        this.partition = partition;
        this.permitLimit = permitLimit;
        this.window = window;
        this.clock = clock;
        // Replenished by the partitioned limiter's heartbeat, like the in-memory partitions without Redis.
        fallback = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitLimit,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = false,
        });
        lastUsed = clock.GetTimestamp();
    }

    /// <summary>
    /// How long this partition has not been asked, so the partitioned limiter can drop it (one per caller adds up).
    /// Never while the in-memory fallback holds permits taken in its current window: dropping it would forget them.
    /// </summary>
    public override TimeSpan? IdleDuration =>
        fallback.IdleDuration is null ? null : clock.GetElapsedTime(Interlocked.Read(ref lastUsed));

    public override bool IsAutoReplenishing => false;

    public override TimeSpan ReplenishmentPeriod => fallback.ReplenishmentPeriod;

    public override bool TryReplenish() => fallback.TryReplenish();

    public override RateLimiterStatistics? GetStatistics() => null;

    /// <summary>Decides at once only while Redis is being skipped; otherwise the middleware asks <see cref="AcquireAsyncCore"/>.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        Interlocked.Exchange(ref lastUsed, clock.GetTimestamp());
        return redis.IsOpen ? fallback.AttemptAcquire(permitCount) : Lease.Pending;
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref lastUsed, clock.GetTimestamp());
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var windowIndex = now / windowMs;
        var key = $"aiprod:ratelimit:{partition}:{windowIndex}";
        var count = await redis.TryAsync(
            async r => (long)await r.GetDatabase().ScriptEvaluateAsync(IncrementScript, [key], [windowMs]),
            "a rate-limit count");
        if (!count.Answered)
        {
            return fallback.AttemptAcquire(permitCount);
        }

        if (count.Value <= permitLimit)
        {
            return Lease.Granted;
        }

        var retryAfter = TimeSpan.FromMilliseconds(((windowIndex + 1) * windowMs) - now);
        return new Lease(false, retryAfter);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fallback.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await fallback.DisposeAsync();
        await base.DisposeAsyncCore();
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
