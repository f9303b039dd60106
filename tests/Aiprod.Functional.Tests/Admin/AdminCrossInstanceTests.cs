using System.Net;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Admin;

/// <summary>Two API instances on one database and one real Redis: what an admin ends on one stops on the other at once.</summary>
public sealed class AdminCrossInstanceTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task AnAdminsRevocationsOnInstanceA_StopTheSessionAndTheKeyOnInstanceB()
    {
        redis.SkipIfUnavailable();
        var shared = Directory.CreateTempSubdirectory("aiprod-admin-two-instances-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = shared,
            ["Redis:Configuration"] = redis.Configuration,
            // Only Redis can deliver the revocations within this test: the database reload and the key cache's
            // time to live are an hour away.
            ["Auth:Revocations:ReloadInterval"] = "01:00:00",
            ["ApiKeys:Cache:TimeToLive"] = "01:00:00",
            ["RateLimits:Policies:admin"] = "100000",
        };
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(a, clientA);
        var ann = await clientA.RegisterAndLoginAsync("ann@example.com");
        var annId = await clientA.IdOfAsync(ann);
        var key = await clientA.CreateApiKeyAsync(ann);
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithTokenAsync("/auth/me", ann)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithKeyAsync("/api-keys/current", key.Str("key"))).StatusCode);
        var sid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(ann).GetClaim("sid").Value;

        Assert.Equal(HttpStatusCode.NoContent, (await clientA.SendWithTokenAsync(HttpMethod.Delete, $"/admin/users/{annId}/sessions/{sid}?reason=stolen", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clientA.AdminPostAsync($"/admin/api-keys/{key["api_key"]!["key_id"]}/revoke", admin, "leaked")).StatusCode);

        Assert.True(await ApiClientExtensions.EventuallyAsync(async () => (await clientB.GetWithTokenAsync("/auth/me", ann)).StatusCode == HttpStatusCode.Unauthorized),
            "instance B still accepted the access token of a session an admin ended on instance A");
        Assert.True(await ApiClientExtensions.EventuallyAsync(async () => (await clientB.GetWithKeyAsync("/api-keys/current", key.Str("key"))).StatusCode == HttpStatusCode.Unauthorized),
            "instance B still accepted a key an admin revoked on instance A");
    }
}
