using System.Threading.RateLimiting;
using Aiprod.Application.Abstractions;

namespace Aiprod.Api.RateLimiting;

/// <summary>
/// A fixed-window limiter whose counter is shared by every API instance (<see cref="ISharedRateLimitCounter"/>,
/// Redis), so a limit holds across them: one count per request. When the store does not answer, or is being
/// skipped, this instance counts on its own in memory: the limit then holds per instance, rather than not at all,
/// and a dead store costs no wait per request.
/// </summary>
internal sealed class SharedFixedWindowRateLimiter : ReplenishingRateLimiter
{
    private readonly ISharedRateLimitCounter counter;
    private readonly string partition;
    private readonly int permitLimit;
    private readonly TimeSpan window;
    private readonly TimeProvider clock;
    private readonly FixedWindowRateLimiter fallback;
    private long lastUsed;

    public SharedFixedWindowRateLimiter(ISharedRateLimitCounter counter, string partition, int permitLimit, TimeSpan window, TimeProvider clock)
    {
        this.counter = counter;
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

    /// <summary>Decides at once only while the shared store is being skipped; otherwise the middleware asks <see cref="AcquireAsyncCore"/>.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        Interlocked.Exchange(ref lastUsed, clock.GetTimestamp());
        return counter.IsSkipping ? fallback.AttemptAcquire(permitCount) : Lease.Pending;
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref lastUsed, clock.GetTimestamp());
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var windowIndex = now / windowMs;
        var key = $"aiprod:ratelimit:{partition}:{windowIndex}";
        var count = await counter.IncrementAsync(key, window);
        if (count is null)
        {
            return fallback.AttemptAcquire(permitCount);
        }

        if (count <= permitLimit)
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
