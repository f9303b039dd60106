using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.ApiKeys;

public enum ApiKeyRefusal
{
    Malformed,
    Unknown,
    Expired,
    Revoked,
    Rotated,

    /// <summary>The key's owner is disabled: a key that a disable could not revoke still lets nobody in.</summary>
    OwnerDisabled,
}

/// <summary>The outcome of presenting a key: the key (when it is let in) or why it is refused.</summary>
public sealed record ApiKeyAuthentication(ApiKey? Key, ApiKeyRefusal? Refusal, string? HashPrefix)
{
    public bool Succeeded => Key is not null;
}

/// <summary>
/// Verifies <c>X-API-Key</c> with no database write and, on a warm cache, no database read: checksum, SHA-256,
/// then a look-up cached by hash. The cached key is evaluated against the clock on every request, so expiry and
/// the end of a rotation grace period take effect to the second; a rotation or revocation removes the entry at
/// once here and, through Redis, on the other instances. Usage is counted in memory and flushed in batches.
/// </summary>
public sealed class ApiKeyAuthenticator : IApiKeyCache, IDisposable
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("aiprod:apikeys:invalidated");

    private readonly ConcurrentDictionary<KeyHash, CachedLookup> cache = new();
    private readonly IApiKeyStore store;
    private readonly ApiKeyUsageRecorder usage;
    private readonly ApiKeyCacheOptions options;
    private readonly TimeProvider clock;
    private readonly RedisCircuit? redis;

    /// <summary>Bumped by every invalidation, here or from another instance.</summary>
    private long invalidations;

    public ApiKeyAuthenticator(
        IApiKeyStore store,
        ApiKeyUsageRecorder usage,
        ApiKeyCacheOptions options,
        TimeProvider clock,
        RedisCircuit? redis = null)
    {
        this.store = store;
        this.usage = usage;
        this.options = options;
        this.clock = clock;
        this.redis = redis;
        // Built on a request path (the first key presented): fire-and-forget registers the handler without waiting on
        // Redis; the multiplexer subscribes whenever it is (re)connected.
        redis?.Connection.GetSubscriber().Subscribe(Channel, (_, message) => Forget(KeyHash.FromHex(message.ToString())), CommandFlags.FireAndForget);
    }

    /// <param name="presented">The key as sent.</param>
    /// <param name="cancellationToken">Aborts the look-up.</param>
    /// <param name="recordUsage">False for a re-check of a key already in use (a WebSocket kept open), which is not a new use.</param>
    public async ValueTask<ApiKeyAuthentication> AuthenticateAsync(string presented, CancellationToken cancellationToken, bool recordUsage = true)
    {
        if (!ApiKeyFormat.IsWellFormed(presented))
        {
            return new ApiKeyAuthentication(null, ApiKeyRefusal.Malformed, null);
        }

        var hash = ApiKeyFormat.HashKey(presented);
        var now = clock.GetUtcNow();
        if (!cache.TryGetValue(hash, out var lookup) || lookup.StaleAt <= now)
        {
            var hex = hash.ToHex();
            var before = Interlocked.Read(ref invalidations);
            var stored = await store.FindByHashAsync(hex, cancellationToken);
            lookup = new CachedLookup(stored?.Key, stored?.OwnerDisabled ?? false, hex[..8], now + options.TimeToLive);

            // A rotation or revocation that committed while we read has already removed nothing; what we read may
            // predate it, so it answers this request only and is not cached.
            if (Interlocked.Read(ref invalidations) == before)
            {
                if (cache.Count >= options.Capacity)
                {
                    // Crude but bounded: a full cache starts over; the next requests reload what is in use.
                    cache.Clear();
                }

                cache[hash] = lookup;
            }
        }

        var key = lookup.Key;
        if (key is null)
        {
            return new ApiKeyAuthentication(null, ApiKeyRefusal.Unknown, lookup.HashPrefix);
        }

        var refusal = key.AuthenticationRefusal(now);
        if (refusal is not null)
        {
            return new ApiKeyAuthentication(null, refusal switch
            {
                ApiKeyStatus.Revoked => ApiKeyRefusal.Revoked,
                ApiKeyStatus.Rotated => ApiKeyRefusal.Rotated,
                _ => ApiKeyRefusal.Expired,
            }, lookup.HashPrefix);
        }

        // A disable revokes the owner's keys; this also refuses one still active, which that disable could not see.
        if (lookup.OwnerDisabled)
        {
            return new ApiKeyAuthentication(null, ApiKeyRefusal.OwnerDisabled, lookup.HashPrefix);
        }

        if (recordUsage)
        {
            usage.Record(key.Id, now);
        }

        return new ApiKeyAuthentication(key, null, lookup.HashPrefix);
    }

    public async Task InvalidateAsync(IReadOnlyCollection<string> keyHashes, CancellationToken cancellationToken)
    {
        foreach (var hash in keyHashes)
        {
            Forget(KeyHash.FromHex(hash));
        }

        // Without Redis, or if it fails, other instances see the change when their entry's time to live runs out.
        if (redis is not null && keyHashes.Count > 0)
        {
            await redis.TryPublishAsync(Channel, keyHashes.Select(h => (RedisValue)h), "API key invalidations");
        }
    }

    public void Dispose() => cache.Clear();

    private void Forget(KeyHash hash)
    {
        Interlocked.Increment(ref invalidations);
        cache.TryRemove(hash, out _);
    }

    /// <summary>A look-up result, an unknown key included, so a flood of invented keys does not reach the database.</summary>
    private sealed record CachedLookup(ApiKey? Key, bool OwnerDisabled, string HashPrefix, DateTimeOffset StaleAt);
}
