using Aiprod.Application.Abstractions;

namespace Aiprod.Infrastructure;

/// <summary>
/// Rate-limit windows in Redis, through <see cref="RedisCircuit"/>: one atomic INCR per hit, the window's expiry set
/// on the first, so a limit holds across every instance.
/// </summary>
internal sealed class RedisRateLimitCounter(RedisCircuit redis) : ISharedRateLimitCounter
{
    private const string IncrementScript =
        "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return c";

    public bool IsSkipping => redis.IsOpen;

    public async ValueTask<long?> IncrementAsync(string key, TimeSpan window)
    {
        var count = await redis.TryAsync(
            async r => (long)await r.GetDatabase().ScriptEvaluateAsync(IncrementScript, [key], [(long)window.TotalMilliseconds]),
            "a rate-limit count");
        return count.Answered ? count.Value : null;
    }
}
