using System.Diagnostics;
using System.Net;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>
/// Invalidations published while Redis was out are lost, not queued: each instance makes up for them when it
/// reconnects. Two instances, a real redis-server killed and started again on the same port; the time to live of
/// the key cache and the revocation reload are an hour away, so only the reconnect can bring the changes.
/// </summary>
public sealed class RedisReconnectTests
{
    [Fact]
    public async Task AKeyAndASessionRevokedWhileRedisWasDown_AreRefusedByTheOtherInstanceOnceItReconnects()
    {
        await using var first = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = Directory.CreateTempSubdirectory("aiprod-redis-back-").FullName,
            ["Redis:Configuration"] = first.Configuration,
            ["Auth:Revocations:ReloadInterval"] = "01:00:00",
            ["ApiKeys:Cache:TimeToLive"] = "01:00:00",
        };
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var users = new List<(string Token, string Key, string KeyId)>();
        foreach (var email in new[] { "ann@example.com", "bob@example.com", "cy@example.com" })
        {
            var token = await clientA.RegisterAndLoginAsync(email);
            var created = await clientA.CreateApiKeyAsync(token);
            users.Add((token, created.Str("key"), created["api_key"]!["key_id"]!.GetValue<string>()));
        }

        // B takes every key and token in use (the keys are cached on B for an hour).
        foreach (var (token, key, _) in users)
        {
            Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithKeyAsync("/api-keys/current", key)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithTokenAsync("/auth/me", token)).StatusCode);
        }

        first.Kill();
        // Revoked on A, all at once, while Redis is dead: A's publishes go nowhere.
        await Task.WhenAll(users.Select(async u =>
        {
            var fresh = await clientA.LoginAsync(EmailOf(users.IndexOf(u)));
            Assert.Equal(HttpStatusCode.OK, (await clientA.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{u.KeyId}/revoke", fresh, new { reason = "test" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await clientA.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", u.Token)).StatusCode);
        }));

        // B has heard of none of it.
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithKeyAsync("/api-keys/current", users[0].Key)).StatusCode);

        await using var second = await RedisServer.StartAsync(first.Port);
        Assert.True(
            await UntilAsync(async () => (await (await clientB.GetAsync("/health/ready")).ReadJsonAsync()).Str("status") == "healthy"),
            "instance B did not reconnect to Redis");

        foreach (var (token, key, _) in users)
        {
            Assert.True(
                await UntilAsync(async () => (await clientB.GetWithKeyAsync("/api-keys/current", key)).StatusCode == HttpStatusCode.Unauthorized),
                "instance B still accepts a key revoked while Redis was down");
            Assert.True(
                await UntilAsync(async () => (await clientB.GetWithTokenAsync("/auth/me", token)).StatusCode == HttpStatusCode.Unauthorized),
                "instance B still accepts a session ended while Redis was down");
        }
    }

    private static string EmailOf(int index) => new[] { "ann@example.com", "bob@example.com", "cy@example.com" }[index];

    /// <summary>Reconnecting follows StackExchange.Redis' back-off, up to 10 s between tries.</summary>
    private static async Task<bool> UntilAsync(Func<Task<bool>> condition)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
