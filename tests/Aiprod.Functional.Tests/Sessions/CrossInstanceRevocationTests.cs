using System.Net;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>Two API instances on one database and one real Redis: a session ended on one is refused by the other at once.</summary>
public sealed class CrossInstanceRevocationTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task LogoutOnInstanceA_StopsTheAccessTokenOnInstanceB()
    {
        redis.SkipIfUnavailable();
        var shared = Directory.CreateTempSubdirectory("aiprod-two-instances-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = shared,
            ["Redis:Configuration"] = redis.Configuration,
            // Only Redis can deliver the revocation within this test: the database reload is an hour away.
            ["Auth:Revocations:ReloadInterval"] = "01:00:00",
        };
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        await clientA.RegisterAsync("ann@example.com");
        var token = await clientA.LoginAsync("ann@example.com");
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithTokenAsync("/auth/me", token)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await clientA.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", token)).StatusCode);

        var refused = await ApiClientExtensions.EventuallyAsync(async () => (await clientB.GetWithTokenAsync("/auth/me", token)).StatusCode == HttpStatusCode.Unauthorized);

        Assert.True(refused, "instance B still accepted the access token of a session ended on instance A");
    }
}
