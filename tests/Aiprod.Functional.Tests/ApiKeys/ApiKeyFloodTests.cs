using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.ApiKeys;

/// <summary>
/// Well-formed invented keys (the checksum is no secret) from one address, many at once: they cost at most the
/// address's limit of database look-ups, never push a real key out of the cache, and are audited as a count. The store
/// under the authenticator is the real one, wrapped to count its look-ups.
/// </summary>
public sealed class ApiKeyFloodTests : IAsyncDisposable
{
    private const int Limit = 5;
    private const int Flood = 200;
    private readonly ConcurrentDictionary<string, int> lookups = new(StringComparer.Ordinal);
    private readonly AiprodApiFactory factory;

    public ApiKeyFloodTests() => factory = new AiprodApiFactory(
        new Dictionary<string, string?>
        {
            ["ApiKeys:Cache:Capacity"] = "50",
            ["ApiKeys:Cache:NegativeCapacity"] = "20",
            ["ApiKeys:FailedLookups:PerAddress"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        // The clock stands still: one failure window, and only the test flushes the audit.
        clock: new FakeTimeProvider(DateTimeOffset.UtcNow),
        replaceServices: services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IApiKeyStore));
            services.Remove(original);
            services.AddSingleton<IApiKeyStore>(sp => new CountingStore((IApiKeyStore)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!), lookups));
        });

    [Fact]
    public async Task AFloodOfInventedKeys_FromOneAddress_IsLimited_AndEvictsNoValidKey()
    {
        var client = factory.CreateClient();
        var key = (await client.CreateApiKeyAsync(await client.RegisterAndLoginAsync("ann@example.com"))).Str("key");
        var keyHash = ApiKeyFormat.Hash(key);
        Assert.Equal(StatusCodes.Status200OK, await CurrentKeyAsync(key, "198.51.100.7"));
        var flusher = factory.Services.GetRequiredService<ApiKeyUsageFlusher>();
        await flusher.FlushAsync(TestContext.Current.CancellationToken);

        var answers = await Task.WhenAll(Enumerable.Range(0, Flood).Select(_ =>
            CurrentKeyAsync(ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32)), "203.0.113.9")));

        Assert.All(answers, status => Assert.Contains(status, new[] { StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests }));
        Assert.Equal(Limit, answers.Count(s => s == StatusCodes.Status401Unauthorized));
        Assert.Equal(Limit, lookups.Where(l => l.Key != keyHash).Sum(l => l.Value));

        // The valid key still answers, from another address and from the flooding one, without being looked up again.
        Assert.Equal(StatusCodes.Status200OK, await CurrentKeyAsync(key, "198.51.100.7"));
        Assert.Equal(StatusCodes.Status200OK, await CurrentKeyAsync(key, "203.0.113.9"));
        Assert.Equal(1, lookups[keyHash]);

        // One audit row per looked-up failure, one for all the refusals past the limit, with their count.
        await flusher.FlushAsync(TestContext.Current.CancellationToken);
        var audits = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.ApiKeyAuthenticationFailed).Select(e => e.Details).ToListAsync());
        Assert.Equal(Limit + 1, audits.Count);
        Assert.Single(audits, d => d!.Contains($"\"count\":{Flood - Limit}", StringComparison.Ordinal));
    }

    private async Task<int> CurrentKeyAsync(string key, string address)
    {
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api-keys/current";
            c.Request.Headers[ApiKeyHeader] = key;
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
        });
        return context.Response.StatusCode;
    }

    private const string ApiKeyHeader = "X-API-Key";

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    private sealed class CountingStore(IApiKeyStore inner, ConcurrentDictionary<string, int> lookups) : IApiKeyStore
    {
        public Task<StoredApiKey?> FindByHashAsync(string keyHash, CancellationToken cancellationToken)
        {
            lookups.AddOrUpdate(keyHash, 1, (_, n) => n + 1);
            return inner.FindByHashAsync(keyHash, cancellationToken);
        }
    }
}
