using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aiprod.Infrastructure;

/// <summary>
/// Degraded, not unhealthy, when Redis does not answer: the instance still serves correctly on its own (limits per
/// instance, revocations and live events through their backstops), so it must stay in the load balancer's rotation.
/// </summary>
internal sealed class RedisHealthCheck(RedisCircuit redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (redis.IsOpen)
        {
            return HealthCheckResult.Degraded("Redis failed repeatedly and is being skipped.");
        }

        var ping = await redis.TryAsync(r => r.GetDatabase().PingAsync(), "a health check PING");
        return ping.Answered
            ? HealthCheckResult.Healthy($"PING {ping.Value.TotalMilliseconds:F1} ms")
            : HealthCheckResult.Degraded("Redis does not answer.");
    }
}
