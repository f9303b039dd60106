using System.Collections.Concurrent;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Infrastructure.Tokens;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.Sessions;

/// <summary>
/// The revoked sessions whose access tokens may still be unexpired, in memory: the check on every request is a
/// dictionary look-up. An entry can be forgotten once every access token of its session has expired
/// (revocation time + access-token lifetime + clock skew). Revocations reach the other instances through Redis
/// pub/sub when configured; <see cref="SessionRevocationSync"/> also reloads them from the database, which
/// covers a start, a missed message, or a deployment without Redis.
/// </summary>
public sealed class SessionRevocationRegistry(
    TimeProvider clock,
    IOptions<JwtOptions> jwt,
    RedisCircuit? redis = null) : ISessionRevocations
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("aiprod:sessions:revoked");

    private readonly ConcurrentDictionary<SessionId, DateTimeOffset> revoked = new();

    public TimeSpan Retention => jwt.Value.AccessTokenLifetime + jwt.Value.ClockSkew;

    public int Count => revoked.Count;

    public bool IsRevoked(SessionId sessionId) => revoked.ContainsKey(sessionId);

    public async Task PublishAsync(IReadOnlyCollection<SessionId> sessionIds, CancellationToken cancellationToken)
    {
        var forgetAt = clock.GetUtcNow() + Retention;
        foreach (var id in sessionIds)
        {
            revoked[id] = forgetAt;
        }

        // Without Redis, or if it fails, other instances pick the revocation up on their next database reload.
        if (redis is not null)
        {
            await redis.TryPublishAsync(Channel, sessionIds.Select(id => (RedisValue)id.Value.ToString("N")), "session revocations");
        }
    }

    /// <summary>Adds a revocation learnt from another instance or from the database.</summary>
    public void Remember(SessionId sessionId, DateTimeOffset revokedAt)
    {
        var forgetAt = revokedAt + Retention;
        if (forgetAt > clock.GetUtcNow())
        {
            revoked[sessionId] = forgetAt;
        }
    }

    public void ForgetExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, forgetAt) in revoked)
        {
            if (forgetAt <= now)
            {
                revoked.TryRemove(id, out _);
            }
        }
    }
}
