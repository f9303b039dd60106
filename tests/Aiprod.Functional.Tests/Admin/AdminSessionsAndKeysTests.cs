using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Admin;

public sealed class AdminSessionsAndKeysTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    [Fact]
    public async Task RevokeUserSession_EndsThatSessionOnly_AsTheUsersLogoutWould_AndIsAudited()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var adminId = await client.IdOfAsync(admin);
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");
        var first = await client.LoginForTokensAsync("ann@example.com");
        var second = await client.LoginAsync("ann@example.com");
        var sessions = await client.GetArrayAsync($"/admin/users/{ann}/sessions", admin);
        Assert.Equal(2, sessions.Count);
        var sid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(first.Str("access_token")).GetClaim("sid").Value;
        Assert.Contains(sessions, s => s!["session_id"]!.GetValue<string>() == sid);

        var response = await client.SendWithTokenAsync(HttpMethod.Delete, $"/admin/users/{ann}/sessions/{sid}?reason=stolen%20laptop", admin);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await client.GetWithTokenAsync("/auth/me", first.Str("access_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(first.Str("refresh_token"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", second)).StatusCode);
        Assert.Single(await client.GetArrayAsync($"/admin/users/{ann}/sessions", admin));
        var details = await AdminTestKit.AssertAuditedAsync(fixture.Factory, "session.revoked", sid, adminId, "stolen laptop", "admin_reason");
        Assert.Equal("admin_revoked", details.GetProperty("reason").GetString());
        await (await client.SendWithTokenAsync(HttpMethod.Delete, $"/admin/users/{ann}/sessions/{sid}?reason=again", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task RevokeUserSession_OfAnotherUsersSession_OrWithoutAReason_ChangesNothing()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var bob = (await client.RegisterAsync("bob@example.com")).Str("id");
        await client.RegisterAsync("ann@example.com");
        var ann = await client.LoginAsync("ann@example.com");
        var sid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(ann).GetClaim("sid").Value;
        var annId = await client.IdOfAsync(ann);

        await (await client.SendWithTokenAsync(HttpMethod.Delete, $"/admin/users/{bob}/sessions/{sid}?reason=x", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "session_not_found");
        foreach (var query in new[] { "", "?reason=", "?reason=%20%20", "?reason=" + new string('r', 501) })
        {
            var problem = await (await client.SendWithTokenAsync(HttpMethod.Delete, $"/admin/users/{annId}/sessions/{sid}{query}", admin)).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]?["reason"]);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", ann)).StatusCode);
    }

    /// <summary>
    /// Two admins revoke a key while its owner rotates it twice, all at once, round after round: whichever commits
    /// first, afterwards no key of that lineage works (a rotation that committed first must not leave a successor).
    /// </summary>
    [Fact]
    public async Task RevokeApiKey_RacingTheOwnersRotations_LeavesNoKeyOfTheLineageWorking()
    {
        for (var round = 0; round < 10; round++)
        {
            var client = await fixture.CreateClientAsync();
            var admins = new[] { await JobTestKit.RegisterAdminAsync(fixture.Factory, client), await JobTestKit.RegisterAdminAsync(fixture.Factory, client, "eve@example.com") };
            var ann = await client.RegisterAndLoginAsync("ann@example.com");
            var key = await client.CreateApiKeyAsync(ann);
            var keyId = key["api_key"]!["key_id"]!.GetValue<string>();

            using var start = new SemaphoreSlim(0);
            var revokes = admins.Select(async admin =>
            {
                await start.WaitAsync(TestContext.Current.CancellationToken);
                return await client.AdminPostAsync($"/admin/api-keys/{keyId}/revoke", admin, $"round {round}");
            }).ToList();
            var rotations = Enumerable.Range(0, 2).Select(async _ =>
            {
                await start.WaitAsync(TestContext.Current.CancellationToken);
                return await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{keyId}/rotate", ann, new { grace_period_seconds = 86_400 });
            }).ToList();
            start.Release(4);
            var revoked = await Task.WhenAll(revokes);
            var rotated = await Task.WhenAll(rotations);

            Assert.Contains(revoked, r => r.StatusCode == HttpStatusCode.OK);
            var plaintexts = new List<string> { key.Str("key") };
            foreach (var response in rotated)
            {
                if (response.StatusCode == HttpStatusCode.Created || response.StatusCode == HttpStatusCode.OK)
                {
                    plaintexts.Add((await response.ReadJsonAsync()).Str("key"));
                }
            }

            foreach (var plaintext in plaintexts)
            {
                var current = await client.GetWithKeyAsync("/api-keys/current", plaintext);
                Assert.True(current.StatusCode == HttpStatusCode.Unauthorized, $"round {round}: a key of the lineage still works ({plaintexts.Count - 1} rotations succeeded)");
            }
        }
    }

    /// <summary>
    /// Revoking a key its owner rotated a while ago (its grace still running) stops that key only: the successor is a key
    /// the owner made on purpose, not one a rotation racing the revocation slipped past it.
    /// </summary>
    [Fact]
    public async Task RevokeApiKey_OfAKeyRotatedMinutesAgo_LeavesItsSuccessorWorking()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        await using var factory = new AiprodApiFactory(clock: clock);
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var key = await client.CreateApiKeyAsync(ann);
        var keyId = key["api_key"]!["key_id"]!.GetValue<string>();
        var rotation = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{keyId}/rotate", ann, new { grace_period_seconds = 86_400 });
        Assert.True(rotation.IsSuccessStatusCode, $"rotate answered {rotation.StatusCode}");
        var successor = (await rotation.ReadJsonAsync()).Str("key");

        clock.Advance(TimeSpan.FromMinutes(2));
        var revoked = await client.AdminPostAsync($"/admin/api-keys/{keyId}/revoke", admin, "the old key leaked");

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", successor)).StatusCode);
    }

    [Fact]
    public async Task ListUserApiKeys_ShowsEveryKey_AndRevokeApiKey_StopsItAtOnce_AndIsAudited()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var adminId = await client.IdOfAsync(admin);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var annId = await client.IdOfAsync(ann);
        var key = await client.CreateApiKeyAsync(ann);
        await client.CreateApiKeyAsync(ann, new { name = "second" });
        var keyId = key["api_key"]!["key_id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).StatusCode);

        var keys = await client.GetArrayAsync($"/admin/users/{annId}/api-keys", admin);
        Assert.Equal(2, keys.Count);
        Assert.DoesNotContain(key.Str("key"), keys.ToJsonString(), StringComparison.Ordinal);

        var revoked = await client.AdminPostAsync($"/admin/api-keys/{keyId}/revoke", admin, "leaked in a public repo");

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var body = await revoked.ReadJsonAsync();
        Assert.Equal("revoked", body.Str("status"));
        Assert.Equal("leaked in a public repo", body.Str("revocation_reason"));
        await (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_revoked");
        var details = await AdminTestKit.AssertAuditedAsync(fixture.Factory, "api_key.revoked", keyId, adminId, "leaked in a public repo");
        Assert.Equal(annId, details.GetProperty("owner_id").GetString());
        await (await client.AdminPostAsync($"/admin/api-keys/{keyId}/revoke", admin)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await client.AdminPostAsync($"/admin/api-keys/{Guid.NewGuid()}/revoke", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        var problem = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/api-keys/{keyId}/revoke", admin, new { })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["reason"]);
    }
}
