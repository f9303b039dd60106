using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.ApiKeys;

/// <summary>Grace periods and expiry, on a host whose clock the test moves.</summary>
public sealed class ApiKeyClockTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;

    public ApiKeyClockTests() => factory = new AiprodApiFactory(clock: clock);

    [Fact]
    public async Task RotatedKey_WorksUntilItsGraceEnds_ThenIsRefused()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var old = await client.CreateApiKeyAsync(token);
        var rotated = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{old["api_key"]!["key_id"]}/rotate", token, new { grace_period_seconds = 60 })).ReadJsonAsync();

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", old.Str("key"))).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(1));

        await (await client.GetWithKeyAsync("/api-keys/current", old.Str("key"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_rotated");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", rotated.Str("key"))).StatusCode);
    }

    [Fact]
    public async Task Key_PastItsExpiry_IsRefusedAsExpired()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var key = await client.CreateApiKeyAsync(token, new { name = "one day", expires_in_days = 1 });
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).StatusCode);

        clock.Advance(TimeSpan.FromDays(1));

        await (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_expired");
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>A host with a cap of two active keys.</summary>
public sealed class ApiKeyCapTests
{
    [Fact]
    public async Task Create_BeyondTheCap_Is409_AndRevokingMakesRoom()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["ApiKeys:MaxActiveKeysPerUser"] = "2" });
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var first = await client.CreateApiKeyAsync(token);
        await client.CreateApiKeyAsync(token);

        var third = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = "one too many" });

        await third.AssertProblemAsync(HttpStatusCode.Conflict, "api_key_limit_reached");
        await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{first["api_key"]!["key_id"]}/revoke", token, new { });
        await client.CreateApiKeyAsync(token);
    }

    [Fact]
    public async Task Usage_IsNotLostOnAGracefulShutdown()
    {
        var shared = Directory.CreateTempSubdirectory("aiprod-usage-").FullName;
        var settings = new Dictionary<string, string?> { ["DataFolder:Path"] = shared, ["ApiKeys:Usage:FlushInterval"] = "01:00:00" };
        string token;
        string key;
        await using (var first = new AiprodApiFactory(settings))
        {
            var client = first.CreateClient();
            token = await client.RegisterAndLoginAsync("ann@example.com");
            key = (await client.CreateApiKeyAsync(token)).Str("key");
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", key)).StatusCode);
            }
        }

        await using var second = new AiprodApiFactory(settings);
        var after = second.CreateClient();
        var response = await after.GetWithTokenAsync("/api-keys/stats", token);
        var stats = await response.ReadJsonAsync();
        // The access token from before the restart still works: the key was kept in the data folder.
        Assert.True(response.IsSuccessStatusCode, stats.ToJsonString());
        Assert.Equal(3, stats["total_usage"]!.GetValue<long>());
    }
}

/// <summary>Two instances on one database and one real Redis: a key revoked on one is refused by the other at once.</summary>
public sealed class ApiKeyCrossInstanceTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task RevokeOnInstanceA_StopsTheCachedKeyOnInstanceB()
    {
        redis.SkipIfUnavailable();
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = Directory.CreateTempSubdirectory("aiprod-keys-two-").FullName,
            ["Redis:Configuration"] = redis.Configuration,
            // Only Redis can deliver the change within this test: the cache entry would live an hour.
            ["ApiKeys:Cache:TimeToLive"] = "01:00:00",
        };
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var token = await clientA.RegisterAndLoginAsync("ann@example.com");
        var created = await clientA.CreateApiKeyAsync(token);
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithKeyAsync("/api-keys/current", created.Str("key"))).StatusCode);

        await clientA.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{created["api_key"]!["key_id"]}/revoke", token, new { });

        var refused = await ApiClientExtensions.EventuallyAsync(async () => (await clientB.GetWithKeyAsync("/api-keys/current", created.Str("key"))).StatusCode == HttpStatusCode.Unauthorized);

        Assert.True(refused, "instance B still accepted a key revoked on instance A");
    }
}
