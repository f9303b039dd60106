using System.Collections.Concurrent;
using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys;
using Aiprod.Domain.ApiKeys;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>
/// Verifies <c>X-API-Key</c> with no database write and, on a warm cache, no database read: checksum, SHA-256,
/// then a look-up cached by hash. The cached key is evaluated against the clock on every request, so expiry and
/// the end of a rotation grace period take effect to the second; a rotation or revocation removes the entry at
/// once here and, through Redis, on the other instances. Usage is counted in memory and flushed in batches.
/// </summary>
public sealed class ApiKeyAuthenticator : IApiKeyCache, IApiKeyAuthenticator, IDisposable
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("aiprod:apikeys:invalidated");

    private readonly ConcurrentDictionary<KeyHash, CachedLookup> cache = new();
    private readonly ConcurrentDictionary<KeyHash, DateTimeOffset> unknown = new();
    private readonly ConcurrentDictionary<string, FailureWindow> failuresByAddress = new(StringComparer.Ordinal);
    private readonly ApiKeyFailureLimitOptions failureLimit;
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
        ApiKeyFailureLimitOptions? failureLimit = null,
        RedisCircuit? redis = null)
    {
        this.failureLimit = failureLimit ?? new ApiKeyFailureLimitOptions();
        this.store = store;
        this.usage = usage;
        this.options = options;
        this.clock = clock;
        this.redis = redis;
        // Built on a request path (the first key presented): fire-and-forget registers the handler without waiting on
        // Redis; the multiplexer subscribes whenever it is (re)connected.
        redis?.Connection.GetSubscriber().Subscribe(Channel, (_, message) => Forget(KeyHash.FromHex(message.ToString())), CommandFlags.FireAndForget);
        if (redis is not null)
        {
            redis.Restored += ForgetAll;
        }
    }

    /// <param name="presented">The key as sent.</param>
    /// <param name="cancellationToken">Aborts the look-up.</param>
    /// <param name="recordUsage">False for a re-check of a key already in use (a WebSocket kept open), which is not a new use.</param>
    /// <param name="clientAddress">
    /// The caller's address, whose unknown keys are counted: past <see cref="ApiKeyFailureLimitOptions.PerAddress"/> in a
    /// window, a hash not in the cache is refused without a look-up. Null for re-checks, which are not limited.
    /// </param>
    public async ValueTask<ApiKeyAuthentication> AuthenticateAsync(string presented, CancellationToken cancellationToken, bool recordUsage = true, string? clientAddress = null)
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
            if (unknown.TryGetValue(hash, out var staleAt) && staleAt > now)
            {
                CountFailure(clientAddress, now);
                return new ApiKeyAuthentication(null, ApiKeyRefusal.Unknown, hex[..8]);
            }

            // A look-up takes one of the address's failures in advance, given back if the key exists: an address that
            // keeps inventing keys, even all at once, costs at most its limit of queries per window, then dictionary reads.
            var window = clientAddress is null ? null : FailuresOf(clientAddress, now);
            if (window is not null && !window.TryTake(now, failureLimit.Window, failureLimit.PerAddress))
            {
                return new ApiKeyAuthentication(null, ApiKeyRefusal.TooManyFailures, hex[..8]);
            }

            var before = Interlocked.Read(ref invalidations);
            StoredApiKey? stored;
            try
            {
                stored = await store.FindByHashAsync(hex, cancellationToken);
            }
            catch
            {
                window?.GiveBack(now, failureLimit.Window);
                throw;
            }

            if (stored is not null)
            {
                window?.GiveBack(now, failureLimit.Window);
            }
            else
            {
                if (Interlocked.Read(ref invalidations) == before)
                {
                    if (unknown.Count >= options.NegativeCapacity)
                    {
                        unknown.Clear();
                    }

                    unknown[hash] = now + options.TimeToLive;
                }

                return new ApiKeyAuthentication(null, ApiKeyRefusal.Unknown, hex[..8]);
            }

            lookup = new CachedLookup(stored.Key, stored.OwnerDisabled, hex[..8], now + options.TimeToLive);

            // A rotation or revocation that committed while we read has already removed nothing; what we read may
            // predate it, so it answers this request only and is not cached.
            if (Interlocked.Read(ref invalidations) == before)
            {
                if (cache.Count >= options.Capacity)
                {
                    // Crude but bounded, and only keys that exist get here: the next requests reload what is in use.
                    cache.Clear();
                }

                cache[hash] = lookup;
            }
        }

        var key = lookup.Key;
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

    public void Dispose()
    {
        if (redis is not null)
        {
            redis.Restored -= ForgetAll;
        }

        cache.Clear();
        unknown.Clear();
    }

    /// <summary>Redis is back: invalidations published while it was out never came, so every look-up is read again.</summary>
    private void ForgetAll()
    {
        Interlocked.Increment(ref invalidations);
        cache.Clear();
        unknown.Clear();
    }

    private void Forget(KeyHash hash)
    {
        Interlocked.Increment(ref invalidations);
        cache.TryRemove(hash, out _);
        unknown.TryRemove(hash, out _);
    }

    private void CountFailure(string? address, DateTimeOffset now)
    {
        if (address is not null)
        {
            FailuresOf(address, now).Add(now, failureLimit.Window);
        }
    }

    private FailureWindow FailuresOf(string address, DateTimeOffset now)
    {
        if (failuresByAddress.TryGetValue(address, out var known))
        {
            return known;
        }

        if (failuresByAddress.Count >= failureLimit.MaxAddresses)
        {
            foreach (var (other, window) in failuresByAddress)
            {
                if (window.CountIn(now, failureLimit.Window) == 0)
                {
                    failuresByAddress.TryRemove(other, out _);
                }
            }

            if (failuresByAddress.Count >= failureLimit.MaxAddresses)
            {
                // Bounded before exact: many addresses at once forget their counts rather than grow this without end.
                failuresByAddress.Clear();
            }
        }

        return failuresByAddress.GetOrAdd(address, _ => new FailureWindow());
    }

    /// <summary>A found key (valid or not); unknown hashes are kept in their own, smaller cache.</summary>
    private sealed record CachedLookup(ApiKey Key, bool OwnerDisabled, string HashPrefix, DateTimeOffset StaleAt);

    /// <summary>One address's unknown keys in a fixed window.</summary>
    private sealed class FailureWindow
    {
        private readonly Lock gate = new();
        private DateTimeOffset start;
        private int count;

        public int CountIn(DateTimeOffset now, TimeSpan length)
        {
            lock (gate)
            {
                return now < start + length ? count : 0;
            }
        }

        public void Add(DateTimeOffset now, TimeSpan length)
        {
            lock (gate)
            {
                Roll(now, length);
                count++;
            }
        }

        public bool TryTake(DateTimeOffset now, TimeSpan length, int limit)
        {
            lock (gate)
            {
                Roll(now, length);
                if (count >= limit)
                {
                    return false;
                }

                count++;
                return true;
            }
        }

        public void GiveBack(DateTimeOffset now, TimeSpan length)
        {
            lock (gate)
            {
                if (now < start + length && count > 0)
                {
                    count--;
                }
            }
        }

        private void Roll(DateTimeOffset now, TimeSpan length)
        {
            if (now >= start + length)
            {
                start = now;
                count = 0;
            }
        }
    }
}
