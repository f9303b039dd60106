using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Tokens;

/// <summary>
/// Remembers tokens that passed full validation (signature, issuer, audience, type, lifetime), keyed by the
/// SHA-256 of the token, until the token's own <c>exp</c> and never past it, so a repeat request skips the
/// ECDSA verification, as Envoy's JWT filter does. Failures are never cached. Session revocation is checked on
/// every request after this, so a cached token of a revoked session is still refused.
/// <para>
/// Eviction is <see cref="MemoryCache"/>'s: an entry expires at the token's <c>exp</c> by the cache's own clock, and
/// an expired entry leaves when it is read or at the cache's periodic scan, so it may linger; the hit check
/// therefore compares <c>exp</c> with the host's <see cref="TimeProvider"/> and never serves one. Past
/// <see cref="TokenValidationCacheOptions.Capacity"/> a new token is not cached, and an over-capacity compaction
/// removes expired entries, then the least recently read.
/// </para>
/// </summary>
public sealed class CachingJsonWebTokenHandler : JsonWebTokenHandler, IDisposable
{
    private readonly MemoryCache? cache;
    private readonly TimeProvider clock;

    public CachingJsonWebTokenHandler(TokenValidationCacheOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.clock = clock;
        if (options.Enabled)
        {
            cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Capacity });
        }
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (cache is null || string.IsNullOrEmpty(token) || token.Length > MaximumTokenSizeInBytes)
        {
            return await base.ValidateTokenAsync(token, validationParameters);
        }

        var key = CacheKey(token);
        var now = clock.GetUtcNow();
        if (cache.TryGetValue(key, out CachedToken? hit) && hit!.Token.ValidTo > now.UtcDateTime)
        {
            return new TokenValidationResult
            {
                IsValid = true,
                // A fresh identity per request: claims transformation must not leak into the next request.
                ClaimsIdentity = hit.Identity.Clone(),
                SecurityToken = hit.Token,
                TokenType = hit.Token.Typ,
                Issuer = hit.Token.Issuer,
            };
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && result.ClaimsIdentity is { } identity)
        {
            var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
            if (expires > now)
            {
                cache.Set(key, new CachedToken(identity.Clone(), jwt), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
            }
        }

        return result;
    }

    public void Dispose() => cache?.Dispose();

    private static TokenKey CacheKey(string token)
    {
        var max = Encoding.UTF8.GetMaxByteCount(token.Length);
        var rented = max > 2048 ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[2048];
            var length = Encoding.UTF8.GetBytes(token, buffer);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(buffer[..length], hash);
            var words = MemoryMarshal.Cast<byte, ulong>(hash);
            return new TokenKey(words[0], words[1], words[2], words[3]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private readonly record struct TokenKey(ulong A, ulong B, ulong C, ulong D);

    private sealed record CachedToken(System.Security.Claims.ClaimsIdentity Identity, JsonWebToken Token);
}
