using System.Net;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.ApiKeys;

/// <summary>Concurrent changes to one key, and keys against a disable of their owner, on every database provider.</summary>
public abstract class ApiKeyRaceTests(IApiFixture fixture)
{
    private static Task<HttpResponseMessage> RevokeAsync(HttpClient client, string token, string keyId) =>
        client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{keyId}/revoke", token, new { reason = "leaked" });

    private static Task<HttpResponseMessage> RotateAsync(HttpClient client, string token, string keyId) =>
        client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{keyId}/rotate", token, new { grace_period_seconds = 86_400 });

    private static async Task<string?> TypeOfAsync(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? (await response.ReadJsonAsync())["type"]?.GetValue<string>() : null;

    [DatabaseFact]
    public async Task RevocationsRacingRotations_OneOfEachAtMostApplies_AndARevocationThatAnswered200IsFinal()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        for (var round = 0; round < 15; round++)
        {
            var created = await client.CreateApiKeyAsync(token, new { name = $"ci {round}", scopes = new[] { "jobs:read" } });
            var keyId = created["api_key"]!.AsObject().Str("key_id");

            // Two revocations and three rotations of one key, all at once.
            var racing = await Task.WhenAll(
                RevokeAsync(client, token, keyId), RevokeAsync(client, token, keyId),
                RotateAsync(client, token, keyId), RotateAsync(client, token, keyId), RotateAsync(client, token, keyId));
            var (revokes, rotates) = (racing[..2], racing[2..]);

            Assert.All(racing, r => Assert.True((int)r.StatusCode < 500, $"round {round}: got {(int)r.StatusCode}"));
            Assert.Single(revokes, r => r.StatusCode == HttpStatusCode.OK);
            var otherRevoke = revokes.Single(r => r.StatusCode != HttpStatusCode.OK);
            Assert.Equal("urn:aiprod:problem:api_key_already_revoked", await TypeOfAsync(otherRevoke));
            Assert.True(rotates.Count(r => r.StatusCode == HttpStatusCode.Created) <= 1, $"round {round}: a key was rotated twice");
            foreach (var refused in rotates.Where(r => r.StatusCode != HttpStatusCode.Created))
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                Assert.Equal("urn:aiprod:problem:api_key_not_active", await TypeOfAsync(refused));
            }

            // The revocation answered 200: whatever the rotations did, the key no longer opens anything.
            await (await client.GetWithKeyAsync("/api-keys/current", created.Str("key"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_revoked");
            var stored = await fixture.Factory.WithDbAsync(db => db.ApiKeys.SingleAsync(k => k.Id == new ApiKeyId(Guid.Parse(keyId))));
            Assert.Equal(ApiKeyStatus.Revoked, stored.Status);

            Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/revoke-all", token, new { confirm = true })).StatusCode);
        }
    }

    [DatabaseFact]
    public async Task ParallelCreations_AllSucceedUpToTheCap_AndNoneBeyondIt()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        for (var i = 0; i < 19; i++)
        {
            await client.CreateApiKeyAsync(token, new { name = $"key {i}" });
        }

        // 25 allowed, 19 held: twelve at once, of which six fit.
        var racing = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = $"racing {i}" })));

        Assert.Equal(6, racing.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in racing.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            Assert.Equal("urn:aiprod:problem:api_key_limit_reached", await TypeOfAsync(refused));
        }

        Assert.Equal(25, await fixture.Factory.WithDbAsync(db => db.ApiKeys.CountAsync(k => k.Status == ApiKeyStatus.Active)));
    }

    [DatabaseFact]
    public async Task AnOwnerDisabledBehindTheKeysBack_StopsKeyAuthenticationCreationAndRotation()
    {
        var client = await fixture.CreateClientAsync();
        var user = await client.RegisterAsync("ann@example.com");
        var token = await client.LoginAsync("ann@example.com");
        var created = await client.CreateApiKeyAsync(token, new { name = "ci", scopes = new[] { "jobs:read" } });
        var key = created.Str("key");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", key)).StatusCode);

        // The state a disable racing a key creation used to leave: the account disabled, a key and a session still
        // live. Written directly, so that only the checks under test stand between it and a request.
        var disabledAt = DateTimeOffset.UtcNow;
        await fixture.Factory.WithDbAsync(db => db.Users.Where(u => u.Id == new UserId(Guid.Parse(user.Str("id"))))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.DisabledAt, disabledAt)));
        await fixture.Factory.Services.GetRequiredService<ApiKeyAuthenticator>().InvalidateAsync([ApiKeyFormat.Hash(key)], CancellationToken.None);

        await (await client.GetWithKeyAsync("/api-keys/current", key)).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_owner_disabled");
        await fixture.Factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(TestContext.Current.CancellationToken);
        var failure = await fixture.Factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.EventType == "api_key.authentication_failed"));
        Assert.Equal("{\"reason\":\"owner_disabled\"}", failure.Details);
        await (await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = "another" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "account_disabled");
        await (await RotateAsync(client, token, created["api_key"]!.AsObject().Str("key_id"))).AssertProblemAsync(HttpStatusCode.Forbidden, "account_disabled");
        Assert.Equal(1, await fixture.Factory.WithDbAsync(db => db.ApiKeys.CountAsync()));
    }

    [DatabaseFact]
    public async Task KeysCreatedAndRotatedWhileAnAdminDisablesTheOwner_NoneSurvives()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);

        for (var round = 0; round < 12; round++)
        {
            var email = $"user{round}@example.com";
            var user = await client.RegisterAsync(email);
            var token = await client.LoginAsync(email);
            var first = (await client.CreateApiKeyAsync(token, new { name = "first" }))["api_key"]!.AsObject().Str("key_id");

            var racing = await Task.WhenAll(Enumerable.Range(0, 4)
                .Select(i => client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = $"racing {i}" }))
                .Concat(Enumerable.Range(0, 2).Select(_ => RotateAsync(client, token, first)))
                .Append(client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{user.Str("id")}/disable", admin, new { reason = "test: disable" })));

            Assert.True(racing[^1].StatusCode == HttpStatusCode.NoContent, await racing[^1].Content.ReadAsStringAsync());
            var answers = racing[..^1];
            Assert.All(answers, r => Assert.True((int)r.StatusCode < 500, $"round {round}: got {(int)r.StatusCode}"));
            var keys = await fixture.Factory.WithDbAsync(db => db.ApiKeys.Where(k => k.OwnerId == new UserId(Guid.Parse(user.Str("id")))).ToListAsync());
            Assert.All(keys, k => Assert.True(k.Status == ApiKeyStatus.Revoked, $"round {round}: key {k.Name} is {k.Status} after its owner was disabled"));
            foreach (var issued in answers.Where(r => r.StatusCode == HttpStatusCode.Created))
            {
                var key = (await issued.ReadJsonAsync()).Str("key");
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithKeyAsync("/api-keys/current", key)).StatusCode);
            }
        }
    }
}

public sealed class SqliteApiKeyRaceTests(SqliteApiFixture fixture) : ApiKeyRaceTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerApiKeyRaceTests(SqlServerApiFixture fixture) : ApiKeyRaceTests(fixture), IClassFixture<SqlServerApiFixture>;
