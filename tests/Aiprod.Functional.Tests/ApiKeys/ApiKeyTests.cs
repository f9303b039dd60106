using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.ApiKeys;

/// <summary>Every API-key endpoint, on every database provider.</summary>
public abstract class ApiKeyTests(IApiFixture fixture)
{
    private async Task<(HttpClient Client, string Token)> SignedInAsync(string email = "ann@example.com")
    {
        var client = await fixture.CreateClientAsync();
        return (client, await client.RegisterAndLoginAsync(email));
    }

    [DatabaseFact]
    public async Task Create_ShowsTheKeyOnce_AndTheKeyAuthenticatesWithItsScopes()
    {
        var (client, token) = await SignedInAsync();

        var created = await client.CreateApiKeyAsync(token, new { name = "render worker", scopes = new[] { "pipeline:worker" }, expires_in_days = 30 });

        var key = created.Str("key");
        var meta = created["api_key"]!.AsObject();
        Assert.Matches("^aip_[0-9A-Za-z]{49}$", key);
        Assert.Equal(key[..12], meta.Str("prefix"));
        Assert.Equal("active", meta.Str("status"));
        Assert.Equal(["pipeline:worker"], meta["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        var current = await (await client.GetWithKeyAsync("/api-keys/current", key)).ReadJsonAsync();
        Assert.Equal(meta.Str("key_id"), current.Str("key_id"));
        Assert.Equal(["pipeline:worker"], current["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));

        var list = await (await client.GetWithTokenAsync("/api-keys", token)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        var stored = await fixture.Factory.WithDbAsync(db => db.ApiKeys.SingleAsync());
        Assert.Equal(ApiKeyFormat.Hash(key), stored.KeyHash);
        Assert.DoesNotContain(stored.KeyHash, list, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task Create_WithoutScopes_GetsTheClientDefaults_AndNinetyDays()
    {
        var (client, token) = await SignedInAsync();

        var meta = (await client.CreateApiKeyAsync(token))["api_key"]!.AsObject();

        Assert.Equal(["exports:read", "jobs:read", "jobs:write"], meta["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        var lifetime = DateTimeOffset.Parse(meta.Str("expires_at"), System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.Parse(meta.Str("created_at"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(90, Math.Round(lifetime.TotalDays));
    }

    [DatabaseFact]
    public async Task Create_WithBadInput_Is400NamingTheFields()
    {
        var (client, token) = await SignedInAsync();

        // A scope outside the set stops the body's parsing (as an unknown preset does), so it is refused on its own.
        var unknownScope = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = "ci", scopes = new[] { "root" } });
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = "", scopes = Array.Empty<string>(), expires_in_days = 5000 });

        Assert.Equal(["scopes[0]"], (await unknownScope.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!.AsObject().Select(e => e.Key));
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["expires_in_days", "name", "scopes"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [DatabaseFact]
    public async Task Rotate_WithoutGrace_StopsTheOldKeyAtOnce_AndTheNewOneInherits()
    {
        var (client, token) = await SignedInAsync();
        var old = await client.CreateApiKeyAsync(token, new { name = "ci", scopes = new[] { "jobs:read" } });
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", old.Str("key"))).StatusCode);

        var response = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{old["api_key"]!["key_id"]}/rotate", token, new { grace_period_seconds = 0 });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rotated = await response.ReadJsonAsync();
        var meta = rotated["api_key"]!.AsObject();
        Assert.Equal("ci", meta.Str("name"));
        Assert.Equal(old["api_key"]!["key_id"]!.GetValue<string>(), meta.Str("parent_key_id"));
        await (await client.GetWithKeyAsync("/api-keys/current", old.Str("key"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_rotated");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", rotated.Str("key"))).StatusCode);
    }

    [DatabaseFact]
    public async Task Rotate_WithGrace_KeepsBothKeysWorking()
    {
        var (client, token) = await SignedInAsync();
        var old = await client.CreateApiKeyAsync(token);

        var rotated = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{old["api_key"]!["key_id"]}/rotate", token, new { grace_period_seconds = 3600 })).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", old.Str("key"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", rotated.Str("key"))).StatusCode);
        var list = await (await client.GetWithTokenAsync("/api-keys?include_inactive=true", token)).ReadJsonAsync();
        var oldListed = list["keys"]!.AsArray().Single(k => k!["key_id"]!.GetValue<string>() == old["api_key"]!["key_id"]!.GetValue<string>())!;
        Assert.Equal("rotated", oldListed["status"]!.GetValue<string>());
        Assert.NotNull(oldListed["grace_ends_at"]);
    }

    [DatabaseFact]
    public async Task Rotate_WithAGraceOutOfRange_Is400()
    {
        var (client, token) = await SignedInAsync();
        var key = await client.CreateApiKeyAsync(token);

        var response = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{key["api_key"]!["key_id"]}/rotate", token, new { grace_period_seconds = 86401 });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["grace_period_seconds"]);
    }

    [DatabaseFact]
    public async Task Revoke_StopsTheKeyAtOnce_AndASecondRevokeIsAConflict()
    {
        var (client, token) = await SignedInAsync();
        var key = await client.CreateApiKeyAsync(token);
        var id = key["api_key"]!["key_id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).StatusCode);

        var revoked = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{id}/revoke", token, new { reason = "leaked in a log" });

        Assert.Equal("revoked", (await revoked.ReadJsonAsync()).Str("status"));
        await (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_revoked");
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{id}/revoke", token, new { })).AssertProblemAsync(HttpStatusCode.Conflict, "api_key_already_revoked");
    }

    [DatabaseFact]
    public async Task RevokeAll_NeedsConfirm_ThenStopsEveryKey()
    {
        var (client, token) = await SignedInAsync();
        var a = await client.CreateApiKeyAsync(token);
        var b = await client.CreateApiKeyAsync(token);
        await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{b["api_key"]!["key_id"]}/rotate", token, new { grace_period_seconds = 600 });

        var refused = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/revoke-all", token, new { confirm = false });
        await refused.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", a.Str("key"))).StatusCode);

        var done = await (await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/revoke-all", token, new { confirm = true, reason = "incident 42" })).ReadJsonAsync();

        Assert.Equal(3, done["revoked_count"]!.GetValue<int>());
        Assert.NotNull(done["timestamp"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithKeyAsync("/api-keys/current", a.Str("key"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithKeyAsync("/api-keys/current", b.Str("key"))).StatusCode);
    }

    [DatabaseFact]
    public async Task AnotherUsersKey_IsNotFoundOnEveryRoute()
    {
        var (client, ann) = await SignedInAsync();
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var annKey = await client.CreateApiKeyAsync(ann);
        var id = annKey["api_key"]!["key_id"]!.GetValue<string>();

        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{id}/rotate", bob, new { })).AssertProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{id}/revoke", bob, new { })).AssertProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        var bobList = await (await client.GetWithTokenAsync("/api-keys?include_inactive=true", bob)).ReadJsonAsync();
        Assert.Equal(0, bobList["total"]!.GetValue<int>());
        var bobRevokeAll = await (await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/revoke-all", bob, new { confirm = true })).ReadJsonAsync();
        Assert.Equal(0, bobRevokeAll["revoked_count"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", annKey.Str("key"))).StatusCode);
    }

    [DatabaseFact]
    public async Task ManagingKeys_WithAKey_IsRefused()
    {
        var (client, token) = await SignedInAsync();
        var key = await client.CreateApiKeyAsync(token);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api-keys/create") { Content = JsonContent.Create(new { name = "minted by a key" }) };
        request.Headers.Add("X-API-Key", key.Str("key"));

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_not_accepted");
        Assert.Equal(1, await fixture.Factory.WithDbAsync(db => db.ApiKeys.CountAsync()));
    }

    [DatabaseFact]
    public async Task MistypedAndUnknownKeys_Are401_AndAuditedByHashPrefixOnly()
    {
        var (client, token) = await SignedInAsync();
        var key = (await client.CreateApiKeyAsync(token)).Str("key");
        var mistyped = key[..20] + (key[20] == 'a' ? 'b' : 'a') + key[21..];

        await (await client.GetWithKeyAsync("/api-keys/current", mistyped)).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_invalid");
        await (await client.GetWithKeyAsync("/api-keys/current", "not-a-key")).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_invalid");
        await fixture.Factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(TestContext.Current.CancellationToken);

        var failures = await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == "api_key.authentication_failed").ToListAsync());
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.DoesNotContain(mistyped, f.Target + f.Details, StringComparison.Ordinal));
    }

    [DatabaseFact]
    public async Task Usage_IsCountedWithoutAWritePerRequest_AndFlushedInBatches()
    {
        var (client, token) = await SignedInAsync();
        var created = await client.CreateApiKeyAsync(token);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", created.Str("key"))).StatusCode);
        }

        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => db.ApiKeys.Select(k => k.UsageCount).SingleAsync()));
        await fixture.Factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(TestContext.Current.CancellationToken);

        var stats = await (await client.GetWithTokenAsync("/api-keys/stats", token)).ReadJsonAsync();
        Assert.Equal(5, stats["total_usage"]!.GetValue<long>());
        Assert.Equal(1, stats["keys_used"]!.GetValue<int>());
        Assert.NotNull(stats["last_used_at"]);
    }

    [DatabaseFact]
    public async Task Stats_CountByStatus()
    {
        var (client, token) = await SignedInAsync();
        var a = await client.CreateApiKeyAsync(token);
        var b = await client.CreateApiKeyAsync(token);
        await client.CreateApiKeyAsync(token);
        await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{a["api_key"]!["key_id"]}/rotate", token, new { });
        await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{b["api_key"]!["key_id"]}/revoke", token, new { });

        var stats = await (await client.GetWithTokenAsync("/api-keys/stats", token)).ReadJsonAsync();

        Assert.Equal(4, stats["total"]!.GetValue<int>());
        Assert.Equal(2, stats["by_status"]!["active"]!.GetValue<int>());
        Assert.Equal(1, stats["by_status"]!["rotated"]!.GetValue<int>());
        Assert.Equal(1, stats["by_status"]!["revoked"]!.GetValue<int>());
        Assert.NotNull(stats["next_expiration"]);
    }

    [DatabaseFact]
    public async Task Health_GivesConcreteRecommendations()
    {
        var (client, token) = await SignedInAsync();
        var empty = await (await client.GetWithTokenAsync("/api-keys/health", token)).ReadJsonAsync();
        Assert.False(empty["has_active_keys"]!.GetValue<bool>());
        Assert.Equal("no_active_keys", empty["recommendations"]![0]!["code"]!.GetValue<string>());

        var soon = await client.CreateApiKeyAsync(token, new { name = "short", scopes = new[] { "jobs:read" }, expires_in_days = 3 });
        var broad = await client.CreateApiKeyAsync(token, new { name = "everything", scopes = new[] { "jobs:read", "jobs:write", "exports:read", "pipeline:worker" } });

        var health = await (await client.GetWithTokenAsync("/api-keys/health", token)).ReadJsonAsync();

        Assert.True(health["has_active_keys"]!.GetValue<bool>());
        Assert.True(health["expiration_warning"]!.GetValue<bool>());
        Assert.Equal(2, health["unused_keys"]!.GetValue<int>());
        var byCode = health["recommendations"]!.AsArray().ToDictionary(r => r!["code"]!.GetValue<string>(), r => r!["key_ids"]!.AsArray().Select(k => k!.GetValue<string>()).ToList());
        Assert.Equal([soon["api_key"]!["key_id"]!.GetValue<string>()], byCode["expiring_soon"]);
        Assert.Equal([broad["api_key"]!["key_id"]!.GetValue<string>()], byCode["broad_scopes"]);
        Assert.Equal(2, byCode["never_used"].Count);
    }

    [DatabaseFact]
    public async Task EveryChange_IsAnAuditEvent_WithoutTheKey()
    {
        var (client, token) = await SignedInAsync();
        var key = await client.CreateApiKeyAsync(token);
        var rotated = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{key["api_key"]!["key_id"]}/rotate", token, new { })).ReadJsonAsync();
        await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{rotated["api_key"]!["key_id"]}/revoke", token, new { });
        await client.GetWithTokenAsync("/api-keys", token);
        await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/revoke-all", token, new { confirm = true });

        var events = await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType.StartsWith("api_key.")).OrderBy(e => e.Id).ToListAsync());

        Assert.Equal(["api_key.created", "api_key.rotated", "api_key.revoked", "api_key.listed", "api_key.revoked_all"], events.Select(e => e.EventType));
        var all = string.Join('|', events.Select(e => e.Details));
        Assert.DoesNotContain(key.Str("key"), all, StringComparison.Ordinal);
        Assert.DoesNotContain(rotated.Str("key"), all, StringComparison.Ordinal);
        Assert.Contains("key_hash_prefix", all, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task DisablingTheOwner_StopsTheKeys()
    {
        var (client, token) = await SignedInAsync();
        var key = await client.CreateApiKeyAsync(token);
        var user = await (await client.GetWithTokenAsync("/auth/me", token)).ReadJsonAsync();
        var admin = await (await client.GetWithTokenAsync("/auth/me", await JobTestKit.RegisterAdminAsync(fixture.Factory, client))).ReadJsonAsync();
        await using (var scope = fixture.Factory.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<Mediator.ISender>()
                .Send(new Aiprod.Application.Accounts.Commands.DisableUser.DisableUserCommand(
                    new Aiprod.Domain.Users.UserId(Guid.Parse(admin.Str("id"))),
                    new Aiprod.Domain.Users.UserId(Guid.Parse(user.Str("id"))),
                    "test: owner disabled"), TestContext.Current.CancellationToken);
            Assert.True(result.IsSuccess);
        }

        await (await client.GetWithKeyAsync("/api-keys/current", key.Str("key"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_revoked");
    }
}

public sealed class SqliteApiKeyTests(SqliteApiFixture fixture) : ApiKeyTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerApiKeyTests(SqlServerApiFixture fixture) : ApiKeyTests(fixture), IClassFixture<SqlServerApiFixture>;
