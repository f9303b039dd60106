using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>Refresh-token rotation, revocation and sessions through the JSON routes, on every database provider.</summary>
public abstract class SessionFlowTests(IApiFixture fixture)
{
    [DatabaseFact]
    public async Task Login_ReturnsARefreshTokenOfAtLeast256Bits_AndStoresOnlyItsHash()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");

        var tokens = await client.LoginForTokensAsync("ann@example.com");

        var refresh = tokens.Str("refresh_token");
        Assert.True(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(refresh).Length >= 32);
        Assert.Equal((int)TimeSpan.FromDays(7).TotalSeconds, tokens["refresh_expires_in"]!.GetValue<int>());
        var stored = await fixture.Factory.WithDbAsync(db => db.RefreshTokens.Select(t => t.TokenHash).ToListAsync());
        Assert.Single(stored);
        Assert.NotEqual(refresh, stored[0]);
        Assert.Equal(64, stored[0].Length);
    }

    [DatabaseFact]
    public async Task Refresh_RotatesToANewPairInTheSameSession()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var first = await client.LoginForTokensAsync("ann@example.com");

        var response = await client.RefreshAsync(first.Str("refresh_token"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var second = await response.ReadJsonAsync();
        Assert.NotEqual(first.Str("refresh_token"), second.Str("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", second.Str("access_token"))).StatusCode);

        var info = await (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/auth/token-info")
        {
            Headers = { { "X-Refresh-Token", second.Str("refresh_token") } },
        }.WithBearer(second.Str("access_token")), TestContext.Current.CancellationToken)).ReadJsonAsync();
        Assert.Equal(1, info["generation"]!.GetValue<int>());
        Assert.Equal("active", info.Str("status"));
        var sid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(first.Str("access_token")).GetClaim("sid").Value;
        Assert.Equal(sid, info.Str("session_id"));
    }

    [DatabaseFact]
    public async Task Refresh_WithAnUnknownToken_Is401()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.RefreshAsync("bm90LWEtcmVhbC10b2tlbi1ub3QtYS1yZWFsLXRva2Vu");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [DatabaseFact]
    public async Task Refresh_WithinTheLeeway_GivesASiblingAndKeepsTheSession()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");

        var a = await client.RefreshAsync(login.Str("refresh_token"));
        var b = await client.RefreshAsync(login.Str("refresh_token"));

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", login.Str("access_token"))).StatusCode);
        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => db.RefreshTokenFamilies.CountAsync(f => f.RevokedAt != null)));
    }

    [DatabaseFact]
    public async Task Revoke_EndsTheSession_RefreshAndAccessTokensAlike()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");
        var access = login.Str("access_token");

        var revoke = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/revoke", access, new { refresh_token = login.Str("refresh_token") });

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await (await client.RefreshAsync(login.Str("refresh_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await (await client.GetWithTokenAsync("/auth/me", access)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
    }

    [DatabaseFact]
    public async Task AnotherUsersToken_IsNotFoundForRevokeAndTokenInfo()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        await client.RegisterAsync("bob@example.com");
        var ann = await client.LoginForTokensAsync("ann@example.com");
        var bob = await client.LoginForTokensAsync("bob@example.com");

        var revoke = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/revoke", bob.Str("access_token"), new { refresh_token = ann.Str("refresh_token") });
        var info = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/auth/token-info")
        {
            Headers = { { "X-Refresh-Token", ann.Str("refresh_token") } },
        }.WithBearer(bob.Str("access_token")), TestContext.Current.CancellationToken);

        await revoke.AssertProblemAsync(HttpStatusCode.NotFound, "refresh_token_not_found");
        await info.AssertProblemAsync(HttpStatusCode.NotFound, "refresh_token_not_found");
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync(ann.Str("refresh_token"))).StatusCode);
    }

    [DatabaseFact]
    public async Task TokenInfo_WithoutTheHeader_Is400()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var response = await client.GetWithTokenAsync("/auth/token-info", token);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [DatabaseFact]
    public async Task Sessions_ListsEachLogin_AndEndingOneStopsOnlyIt()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var laptop = await client.LoginForTokensAsync("ann@example.com");
        var phone = await client.LoginForTokensAsync("ann@example.com");

        var list = await (await client.GetWithTokenAsync("/auth/sessions", laptop.Str("access_token"))).ReadJsonAsync();
        var sessions = list["sessions"]!.AsArray();
        Assert.Equal(2, sessions.Count);
        Assert.Single(sessions, s => s!["current"]!.GetValue<bool>());
        var phoneSid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(phone.Str("access_token")).GetClaim("sid").Value;

        var end = await client.SendWithTokenAsync(HttpMethod.Delete, $"/auth/sessions/{phoneSid}", laptop.Str("access_token"));

        Assert.Equal(HttpStatusCode.NoContent, end.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", phone.Str("access_token"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", laptop.Str("access_token"))).StatusCode);
        var after = await (await client.GetWithTokenAsync("/auth/sessions", laptop.Str("access_token"))).ReadJsonAsync();
        Assert.Single(after["sessions"]!.AsArray());
    }

    [DatabaseFact]
    public async Task EndSession_OfAnotherUser_Is404()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        await client.RegisterAsync("bob@example.com");
        var ann = await client.LoginForTokensAsync("ann@example.com");
        var bobToken = await client.LoginAsync("bob@example.com");
        var annSid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(ann.Str("access_token")).GetClaim("sid").Value;

        var response = await client.SendWithTokenAsync(HttpMethod.Delete, $"/auth/sessions/{annSid}", bobToken);

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "session_not_found");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", ann.Str("access_token"))).StatusCode);
    }

    [DatabaseFact]
    public async Task LogoutAll_EndsEverySession()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var one = await client.LoginForTokensAsync("ann@example.com");
        var two = await client.LoginForTokensAsync("ann@example.com");

        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", one.Str("access_token"));

        Assert.Equal(2, (await response.ReadJsonAsync())["revoked_count"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", one.Str("access_token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", two.Str("access_token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(two.Str("refresh_token"))).StatusCode);
        var events = await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == "session.revoked").ToListAsync());
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Contains("\"reason\":\"logout_all\"", e.Details, StringComparison.Ordinal));
    }

    [DatabaseFact]
    public async Task ChangePassword_EndsEverySession_AndOnlyTheNewPasswordWorks()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");
        var access = login.Str("access_token");

        var wrong = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", access, new { current_password = "not my password", new_password = "a brand new passphrase" });
        await wrong.AssertProblemAsync(HttpStatusCode.BadRequest, "wrong_current_password");

        var changed = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", access, new { current_password = ApiClientExtensions.DefaultPassword, new_password = "a brand new passphrase" });

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", access)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(login.Str("refresh_token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken)).StatusCode);
        await client.LoginAsync("ann@example.com", "a brand new passphrase");
    }

    [DatabaseFact]
    public async Task AuditOfTokens_CarriesTheFamilyAndAHashPrefix_NeverTheToken()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");
        var refreshed = await (await client.RefreshAsync(login.Str("refresh_token"))).ReadJsonAsync();
        await client.SendWithTokenAsync(HttpMethod.Post, "/auth/revoke", refreshed.Str("access_token"), new { refresh_token = refreshed.Str("refresh_token") });

        var events = await fixture.Factory.WithDbAsync(db => db.AuditEvents.OrderBy(e => e.Id).ToListAsync());

        Assert.Contains(events, e => e.EventType == "token.issued");
        Assert.Contains(events, e => e.EventType == "token.refreshed");
        Assert.Contains(events, e => e.EventType == "session.revoked");
        var family = await fixture.Factory.WithDbAsync(db => db.RefreshTokenFamilies.SingleAsync());
        foreach (var e in events.Where(e => e.EventType.StartsWith("token.", StringComparison.Ordinal) || e.EventType == "session.revoked"))
        {
            Assert.Contains(family.Id.ToString(), e.Details, StringComparison.Ordinal);
        }

        var all = string.Join('|', events.Select(e => e.Details + e.Target));
        foreach (var secret in new[] { login.Str("refresh_token"), refreshed.Str("refresh_token"), login.Str("access_token") })
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        }

        Assert.Contains("token_hash_prefix", all, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task ParallelRefreshesOfOneToken_WithinTheLeeway_AllSucceedInOneFamilyWithout5xx()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.RefreshAsync(login.Str("refresh_token"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var refreshTokens = await Task.WhenAll(responses.Select(async r => (await r.ReadJsonAsync()).Str("refresh_token")));
        Assert.Equal(refreshTokens.Length, refreshTokens.Distinct().Count());
        var families = await fixture.Factory.WithDbAsync(db => db.RefreshTokenFamilies.ToListAsync());
        Assert.Single(families);
        Assert.Null(families[0].RevokedAt);
        var generations = await fixture.Factory.WithDbAsync(db => db.RefreshTokens.Select(t => t.Generation).ToListAsync());
        Assert.Equal(12, generations.Count(g => g == 1));
    }
}

public sealed class SqliteSessionFlowTests(SqliteApiFixture fixture) : SessionFlowTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerSessionFlowTests(SqlServerApiFixture fixture) : SessionFlowTests(fixture), IClassFixture<SqlServerApiFixture>;
