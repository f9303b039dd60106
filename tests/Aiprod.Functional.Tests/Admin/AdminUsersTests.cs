using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Admin;

public sealed class AdminUsersTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private static readonly string[] UserRoutes = ["", "/sessions", "/api-keys"];

    private Task<string> AdminTokenAsync(HttpClient client, string email = "ops@example.com") => JobTestKit.RegisterAdminAsync(fixture.Factory, client, email);

    [Fact]
    public async Task ListUsers_FiltersByPartOfTheEmail_RoleAndStatus()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        await client.RegisterAsync("ann.smith@example.com");
        await client.RegisterAsync("bob@example.com");
        var carol = await client.RegisterAsync("carol@annex.org");
        await client.RegisterAsync("dave@example.com");
        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{carol.Str("id")}/disable", admin)).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            await client.PostAsJsonAsync("/auth/login", new { email = "dave@example.com", password = "not the password at all" }, TestContext.Current.CancellationToken);
        }

        Assert.Equal(["ann.smith@example.com", "carol@annex.org"], await EmailsAsync(client, "/admin/users?email=ANN", admin));
        Assert.Equal(["ann.smith@example.com"], await EmailsAsync(client, "/admin/users?email=ann.s", admin));
        Assert.Empty(await EmailsAsync(client, "/admin/users?email=%25", admin));
        Assert.Equal(["ops@example.com"], await EmailsAsync(client, "/admin/users?role=admin", admin));
        Assert.Equal(["carol@annex.org"], await EmailsAsync(client, "/admin/users?status=disabled", admin));
        Assert.Equal(["dave@example.com"], await EmailsAsync(client, "/admin/users?status=locked", admin));
        Assert.Equal(["ops@example.com", "ann.smith@example.com", "bob@example.com"], await EmailsAsync(client, "/admin/users?status=active", admin));
        Assert.Equal(["ann.smith@example.com", "bob@example.com", "dave@example.com"], await EmailsAsync(client, "/admin/users?email=example.com&role=user&limit=1", admin, all: true));

        var dave = (await client.GetOkAsync("/admin/users?status=locked", admin))["items"]![0]!.AsObject();
        Assert.Equal("locked", dave.Str("status"));
        Assert.Equal(3, dave["failed_login_count"]!.GetValue<int>());
        Assert.NotNull(dave["lockout_ends_at"]);
    }

    [Fact]
    public async Task ListUsers_PagesWithTheCursor_InRegistrationOrder_WithoutSkippingOrRepeating()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var expected = new List<string> { "ops@example.com" };
        for (var i = 0; i < 7; i++)
        {
            var email = $"user{i}@example.com";
            await client.RegisterAsync(email);
            expected.Add(email);
        }

        Assert.Equal(expected, await EmailsAsync(client, "/admin/users?limit=3", admin, all: true));
        Assert.Equal(expected.Skip(1), await EmailsAsync(client, "/admin/users?email=user&limit=2", admin, all: true));
        var last = await client.GetOkAsync("/admin/users?limit=8", admin);
        Assert.Null(last["next_after"]);
    }

    [Fact]
    public async Task GetUser_ShowsTheAccount_ItsLiveSessions_KeysAndJobsByStatus()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var ann = await client.RegisterAsync("ann@example.com");
        var token = await client.LoginAsync("ann@example.com");
        await client.LoginAsync("ann@example.com");
        var revoked = await client.CreateApiKeyAsync(token);
        await client.CreateApiKeyAsync(token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{revoked["api_key"]!["key_id"]}/revoke", token, new { reason = "old" })).StatusCode);
        var cancelled = await client.SubmitAsync(token);
        await client.SubmitAsync(token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{cancelled}/cancel", token)).StatusCode);

        var detail = await client.GetOkAsync($"/admin/users/{ann.Str("id")}", admin);

        var account = detail["account"]!.AsObject();
        Assert.Equal("ann@example.com", account.Str("email"));
        Assert.Equal("active", account.Str("status"));
        Assert.Equal("user", account.Str("role"));
        Assert.NotNull(account["last_login_at"]);
        Assert.Equal(2, detail["session_count"]!.GetValue<int>());
        Assert.Equal(2, detail["sessions"]!.AsArray().Count);
        Assert.Equal(1, detail["api_keys"]!["active"]!.GetValue<int>());
        Assert.Equal(1, detail["api_keys"]!["revoked"]!.GetValue<int>());
        Assert.Equal(1, detail["jobs"]!["queued"]!.GetValue<int>());
        Assert.Equal(1, detail["jobs"]!["cancelled"]!.GetValue<int>());
        Assert.Equal(0, detail["jobs"]!["running"]!.GetValue<int>());
    }

    [Fact]
    public async Task DisableThenEnable_LetsTheUserLogInAgain_AndBothAreAuditedWithActorTargetAndReason()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var adminId = await client.IdOfAsync(admin);
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");

        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{ann}/disable", admin, "  fraud report 17  ")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{ann}/enable", admin, "cleared by support")).StatusCode);
        await client.LoginAsync("ann@example.com");
        await (await client.AdminPostAsync($"/admin/users/{ann}/enable", admin)).AssertProblemAsync(HttpStatusCode.Conflict, "not_disabled");

        await AdminTestKit.AssertAuditedAsync(fixture.Factory, "user.disabled", ann, adminId, "fraud report 17");
        await AdminTestKit.AssertAuditedAsync(fixture.Factory, "user.enabled", ann, adminId, "cleared by support");
    }

    [Fact]
    public async Task Unlock_ALockedOutUser_LetsItLogInAtOnce_AndIsAudited()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var adminId = await client.IdOfAsync(admin);
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");
        for (var i = 0; i < 3; i++)
        {
            await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "not the password at all" }, TestContext.Current.CancellationToken);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{ann}/unlock", admin, "verified by phone")).StatusCode);

        await client.LoginAsync("ann@example.com");
        var account = (await client.GetOkAsync($"/admin/users/{ann}", admin))["account"]!;
        Assert.Equal(0, account["failed_login_count"]!.GetValue<int>());
        Assert.Null(account["lockout_ends_at"]);
        var details = await AdminTestKit.AssertAuditedAsync(fixture.Factory, "user.unlocked", ann, adminId, "verified by phone");
        Assert.True(details.GetProperty("was_locked_out").GetBoolean());
        Assert.Equal(3, details.GetProperty("cleared_failed_logins").GetInt32());
        await (await client.AdminPostAsync($"/admin/users/{ann}/unlock", admin)).AssertProblemAsync(HttpStatusCode.Conflict, "not_locked");
    }

    [Fact]
    public async Task ChangeRole_PromotesAndDemotes_TheNewRoleIsInTheNextToken_AndIsAudited()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var adminId = await client.IdOfAsync(admin);
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");

        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{ann}/role", admin, body: new { role = "admin", reason = "joins ops" })).StatusCode);
        var annToken = await client.LoginAsync("ann@example.com");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/admin/users", annToken)).StatusCode);
        await (await client.AdminPostAsync($"/admin/users/{ann}/role", admin, body: new { role = "admin", reason = "again" })).AssertProblemAsync(HttpStatusCode.Conflict, "role_unchanged");

        var details = await AdminTestKit.AssertAuditedAsync(fixture.Factory, "user.role_changed", ann, adminId, "joins ops");
        Assert.Equal("user", details.GetProperty("from").GetString());
        Assert.Equal("admin", details.GetProperty("to").GetString());
    }

    [Fact]
    public async Task ChangeRole_AnAdminDemotingThemself_Is409_AndTheyStayAdmin()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var adminId = await client.IdOfAsync(admin);

        await (await client.AdminPostAsync($"/admin/users/{adminId}/role", admin, body: new { role = "user", reason = "stepping down" }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "cannot_demote_self");

        Assert.Equal("admin", (await client.GetOkAsync($"/admin/users/{adminId}", admin))["account"]!.AsObject().Str("role"));
    }

    [Fact]
    public async Task ChangeRole_ByADemotedAdmin_IsRefused_AndChangesNothing()
    {
        var client = await fixture.CreateClientAsync();
        var ops = await AdminTokenAsync(client);
        var eve = await AdminTokenAsync(client, "eve@example.com");
        var eveId = await client.IdOfAsync(eve);
        var opsId = await client.IdOfAsync(ops);
        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{eveId}/role", ops, body: new { role = "user", reason = "left the team" })).StatusCode);

        // The demotion ended eve's sessions (401); a request already past authentication meets the actor's re-read (403).
        var answer = await client.AdminPostAsync($"/admin/users/{opsId}/role", eve, body: new { role = "user", reason = "revenge" });
        Assert.True(answer.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{(int)answer.StatusCode}");

        Assert.Equal("admin", (await client.GetOkAsync($"/admin/users/{opsId}", ops))["account"]!.AsObject().Str("role"));
    }

    /// <summary>
    /// Several admins demote each other at once, every one a different target, round after round: whatever order the
    /// commits take, at least one admin remains, and every answer is a demotion that happened or a refusal.
    /// </summary>
    [Fact]
    public async Task AdminsDemotingEachOtherAtOnce_AlwaysLeaveAnAdmin()
    {
        const int admins = 5;
        for (var round = 0; round < 8; round++)
        {
            var client = await fixture.CreateClientAsync();
            var tokens = new List<string>();
            var ids = new List<string>();
            for (var i = 0; i < admins; i++)
            {
                var token = await AdminTokenAsync(client, $"admin{i}@example.com");
                tokens.Add(token);
                ids.Add(await client.IdOfAsync(token));
            }

            // Even rounds: a ring (each demotes the next); odd rounds: everyone demotes everyone else.
            var attempts = round % 2 == 0
                ? Enumerable.Range(0, admins).Select(i => (Actor: i, Target: (i + 1) % admins)).ToList()
                : (from a in Enumerable.Range(0, admins) from t in Enumerable.Range(0, admins) where a != t select (Actor: a, Target: t)).ToList();
            using var start = new SemaphoreSlim(0);
            var sends = attempts.Select(async a =>
            {
                await start.WaitAsync(TestContext.Current.CancellationToken);
                return (a.Target, Response: await client.AdminPostAsync($"/admin/users/{ids[a.Target]}/role", tokens[a.Actor], body: new { role = "user", reason = $"round {round}" }));
            }).ToList();
            start.Release(attempts.Count);
            var answers = await Task.WhenAll(sends);

            foreach (var (_, response) in answers)
            {
                // 401: a demoted admin's sessions end with the demotion, so its later requests are not authenticated.
                Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Conflict, $"round {round}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            }

            var roles = await fixture.Factory.WithDbAsync(db => db.Users.Select(u => u.Role).ToListAsync());
            var remaining = roles.Count(r => r == Aiprod.Domain.Users.UserRole.Admin);
            Assert.True(remaining >= 1, $"round {round}: no admin left");
            var demoted = answers.Where(a => a.Response.StatusCode == HttpStatusCode.NoContent).Select(a => a.Target).ToList();
            Assert.Equal(demoted.Count, demoted.Distinct().Count());
            Assert.Equal(admins - demoted.Count, remaining);
            Assert.Equal(demoted.Count, await fixture.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == "user.role_changed")));
        }
    }

    [Fact]
    public async Task Disable_AnAdminDisablingThemself_Is409_AndTheyStayActive()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var adminId = await client.IdOfAsync(admin);

        await (await client.AdminPostAsync($"/admin/users/{adminId}/disable", admin)).AssertProblemAsync(HttpStatusCode.Conflict, "cannot_disable_self");

        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", admin)).StatusCode);
        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => db.Users.CountAsync(u => u.DisabledAt != null)));
    }

    [Fact]
    public async Task Disable_ByADemotedAdminWhoseTokenStillSaysAdmin_IsRefused_AndTheOtherAdminStaysActive()
    {
        var client = await fixture.CreateClientAsync();
        var ops = await AdminTokenAsync(client);
        var eve = await AdminTokenAsync(client, "eve@example.com");
        var eveId = await client.IdOfAsync(eve);
        var opsId = await client.IdOfAsync(ops);
        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{eveId}/role", ops, body: new { role = "user", reason = "left the team" })).StatusCode);

        var answer = await client.AdminPostAsync($"/admin/users/{opsId}/disable", eve, reason: "revenge");

        Assert.True(answer.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{(int)answer.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", ops)).StatusCode);
        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => db.Users.CountAsync(u => u.DisabledAt != null)));
    }

    /// <summary>
    /// Admins demote and disable each other at once, round after round: whatever order the commits take, at least one
    /// active admin (role admin, not disabled) remains.
    /// </summary>
    [Fact]
    public async Task AdminsDemotingAndDisablingEachOtherAtOnce_AlwaysLeaveAnActiveAdmin()
    {
        const int admins = 5;
        for (var round = 0; round < 10; round++)
        {
            var client = await fixture.CreateClientAsync();
            var tokens = new List<string>();
            var ids = new List<string>();
            for (var i = 0; i < admins; i++)
            {
                var token = await AdminTokenAsync(client, $"admin{i}@example.com");
                tokens.Add(token);
                ids.Add(await client.IdOfAsync(token));
            }

            // Every admin acts on every other, disabling or demoting by turns, so each pair has a demotion against a
            // disable in one direction or the other.
            var attempts = (from a in Enumerable.Range(0, admins) from t in Enumerable.Range(0, admins) where a != t select (Actor: a, Target: t, Disable: (a + t + round) % 2 == 0)).ToList();
            using var start = new SemaphoreSlim(0);
            var sends = attempts.Select(async a =>
            {
                await start.WaitAsync(TestContext.Current.CancellationToken);
                return a.Disable
                    ? await client.AdminPostAsync($"/admin/users/{ids[a.Target]}/disable", tokens[a.Actor], reason: $"round {round}")
                    : await client.AdminPostAsync($"/admin/users/{ids[a.Target]}/role", tokens[a.Actor], body: new { role = "user", reason = $"round {round}" });
            }).ToList();
            start.Release(attempts.Count);
            var answers = await Task.WhenAll(sends);

            foreach (var response in answers)
            {
                Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Conflict,
                    $"round {round}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            }

            var active = await fixture.Factory.WithDbAsync(db => db.Users.CountAsync(u => u.Role == Aiprod.Domain.Users.UserRole.Admin && u.DisabledAt == null));
            Assert.True(active >= 1, $"round {round}: no active admin left");
        }
    }

    [Fact]
    public async Task ChangeRole_ADemotion_EndsTheDemotedAdminsSessions_SoTheirOldTokenIs401()
    {
        var client = await fixture.CreateClientAsync();
        var ops = await AdminTokenAsync(client);
        var eve = await AdminTokenAsync(client, "eve@example.com");
        var eveId = await client.IdOfAsync(eve);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/admin/users", eve)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{eveId}/role", ops, body: new { role = "user", reason = "left the team" })).StatusCode);

        await (await client.GetWithTokenAsync("/admin/users", eve)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.GetWithTokenAsync("/auth/me", eve)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/admin/users", ops)).StatusCode);
    }

    /// <summary>
    /// Logins and refreshes of an admin race the admin's demotion, round after round: once the demotion answered, no
    /// access token any of them got works on an admin route, the one the admin held before included. A token minted
    /// before the demotion committed carries the admin role and must be refused (its session ended); one minted after
    /// carries the role user. The interleaving this guards (a login committing between the demotion's read of the
    /// sessions and its commit) is forced in <c>DisableInterleavingTests</c>; here it is left to the race.
    /// </summary>
    [Fact]
    public async Task LoginsAndRefreshesRacingADemotion_LeaveNoWorkingAdminToken()
    {
        for (var round = 0; round < 10; round++)
        {
            var client = await fixture.CreateClientAsync();
            var ops = await AdminTokenAsync(client);
            var email = $"eve{round}@example.com";
            var eve = await AdminTokenAsync(client, email);
            var eveId = await client.IdOfAsync(eve);
            var sessions = new List<JsonObject>();
            for (var i = 0; i < 3; i++)
            {
                sessions.Add(await client.LoginForTokensAsync(email));
            }

            using var start = new SemaphoreSlim(0);
            async Task<HttpResponseMessage> AtOnce(Func<Task<HttpResponseMessage>> send)
            {
                await start.WaitAsync(TestContext.Current.CancellationToken);
                return await send();
            }

            var demotion = AtOnce(() => client.AdminPostAsync($"/admin/users/{eveId}/role", ops, body: new { role = "user", reason = $"round {round}" }));
            var racers = Enumerable.Range(0, 4)
                .Select(_ => AtOnce(() => client.PostAsJsonAsync("/auth/login", new { email, password = ApiClientExtensions.DefaultPassword })))
                .Concat(sessions.Select(s => AtOnce(() => client.RefreshAsync(s.Str("refresh_token")))))
                .ToList();
            start.Release(racers.Count + 1);

            Assert.Equal(HttpStatusCode.NoContent, (await demotion).StatusCode);
            var tokens = new List<string> { eve };
            tokens.AddRange(sessions.Select(s => s.Str("access_token")));
            foreach (var answer in await Task.WhenAll(racers))
            {
                Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized,
                    $"round {round}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    tokens.Add((await answer.ReadJsonAsync()).Str("access_token"));
                }
            }

            foreach (var token in tokens)
            {
                var status = (await client.GetWithTokenAsync("/admin/users", token)).StatusCode;
                var role = AdminTestKit.RoleClaimOf(token);
                Assert.True(status == HttpStatusCode.Unauthorized || (status == HttpStatusCode.Forbidden && role == "user"),
                    $"round {round}: a token with role {role} got {(int)status} on an admin route after the demotion");
            }
        }
    }

    [Fact]
    public async Task ChangeRole_WithoutARole_Is400NamingRole_AndDemotesNobody()
    {
        var client = await fixture.CreateClientAsync();
        var ops = await AdminTokenAsync(client);
        var eve = await AdminTokenAsync(client, "eve@example.com");
        var eveId = await client.IdOfAsync(eve);

        var problem = await (await client.AdminPostAsync($"/admin/users/{eveId}/role", ops, body: new { reason = "x" })).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem["errors"]?["role"] is not null, problem.ToJsonString());
        Assert.Equal("admin", (await client.GetOkAsync($"/admin/users/{eveId}", ops))["account"]!.AsObject().Str("role"));
    }

    [Fact]
    public async Task EveryUserRoute_ForAnUnknownUser_Is404()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var unknown = Guid.NewGuid();

        foreach (var route in UserRoutes)
        {
            await (await client.GetWithTokenAsync($"/admin/users/{unknown}{route}", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        }

        foreach (var action in new[] { "disable", "enable", "unlock" })
        {
            await (await client.AdminPostAsync($"/admin/users/{unknown}/{action}", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        }

        await (await client.AdminPostAsync($"/admin/users/{unknown}/role", admin, body: new { role = "admin", reason = "x" })).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        await (await client.SendWithTokenAsync(HttpMethod.Delete, $"/admin/users/{unknown}/sessions/{Guid.NewGuid()}?reason=x", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task EveryAdminRoute_RefusesAUser_403_AndAnAdminsOwnApiKey_401()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var adminKey = (await client.CreateApiKeyAsync(admin, new { name = "admin script", scopes = new[] { "jobs:read", "jobs:write", "exports:read", "pipeline:worker" } })).Str("key");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");
        var id = Guid.NewGuid();
        (HttpMethod Method, string Path, object? Body)[] routes =
        [
            (HttpMethod.Get, "/admin/users", null),
            (HttpMethod.Get, $"/admin/users/{ann}", null),
            (HttpMethod.Post, $"/admin/users/{ann}/disable", new { reason = "x" }),
            (HttpMethod.Post, $"/admin/users/{ann}/enable", new { reason = "x" }),
            (HttpMethod.Post, $"/admin/users/{ann}/unlock", new { reason = "x" }),
            (HttpMethod.Post, $"/admin/users/{ann}/role", new { role = "admin", reason = "x" }),
            (HttpMethod.Get, $"/admin/users/{ann}/sessions", null),
            (HttpMethod.Delete, $"/admin/users/{ann}/sessions/{id}?reason=x", null),
            (HttpMethod.Get, $"/admin/users/{ann}/api-keys", null),
            (HttpMethod.Post, $"/admin/api-keys/{id}/revoke", new { reason = "x" }),
            (HttpMethod.Get, "/admin/jobs/overview", null),
            (HttpMethod.Get, "/admin/jobs", null),
            (HttpMethod.Post, $"/admin/jobs/{id}/cancel", new { reason = "x" }),
            (HttpMethod.Post, $"/admin/jobs/{id}/requeue", new { reason = "x" }),
            (HttpMethod.Get, $"/admin/users/{ann}/exports", null),
            (HttpMethod.Post, $"/admin/exports/{id}/cancel", new { reason = "x" }),
            (HttpMethod.Get, $"/admin/users/{ann}/webhooks", null),
            (HttpMethod.Post, $"/admin/webhooks/{id}/disable", new { reason = "x" }),
        ];

        foreach (var (method, path, body) in routes)
        {
            await (await client.SendWithTokenAsync(method, path, bob, body)).AssertProblemAsync(HttpStatusCode.Forbidden);
            var withKey = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            withKey.Headers.Add("X-API-Key", adminKey);
            await (await client.SendAsync(withKey, TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
            await (await client.SendWithTokenAsync(method, path, "", body)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => db.Users.CountAsync(u => u.DisabledAt != null || u.Role == Aiprod.Domain.Users.UserRole.Admin && u.Email != Aiprod.Domain.Users.Email.FromTrusted("ops@example.com"))));
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("enable")]
    [InlineData("unlock")]
    [InlineData("role")]
    public async Task AChange_WithoutAGoodReason_Is400NamingReason_AndChangesNothing(string action)
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");
        var path = $"/admin/users/{ann}/{action}";
        JsonObject Body(string? reason)
        {
            var body = new JsonObject();
            if (action == "role")
            {
                body["role"] = "admin";
            }

            if (reason is not null)
            {
                body["reason"] = reason;
            }

            return body;
        }

        foreach (var body in new[] { Body(null), Body(""), Body("   "), Body(new string('r', 501)) })
        {
            var problem = await (await client.SendWithTokenAsync(HttpMethod.Post, path, admin, body)).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]?["reason"] is not null, problem.ToJsonString());
        }

        var nullReason = await client.SendWithTokenAsync(HttpMethod.Post, path, admin, new JsonObject { ["role"] = "admin", ["reason"] = null });
        await nullReason.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType.StartsWith("user.") && e.EventType != "user.registered" && e.EventType != "user.promoted_to_admin")));
        var account = (await client.GetOkAsync($"/admin/users/{ann}", admin))["account"]!.AsObject();
        Assert.Equal("user", account.Str("role"));
        Assert.Equal("active", account.Str("status"));
    }

    [Fact]
    public async Task AReasonOf500Characters_IsAccepted()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");

        Assert.Equal(HttpStatusCode.NoContent, (await client.AdminPostAsync($"/admin/users/{ann}/disable", admin, new string('r', 500))).StatusCode);
    }

    private static async Task<List<string>> EmailsAsync(HttpClient client, string path, string token, bool all = false)
    {
        var emails = new List<string>();
        var next = path;
        for (var pages = 0; pages < 50; pages++)
        {
            var page = await client.GetOkAsync(next, token);
            emails.AddRange(page["items"]!.AsArray().Select(i => i!["email"]!.GetValue<string>()));
            var after = page["next_after"]?.GetValue<string>();
            if (!all || after is null)
            {
                return emails;
            }

            next = $"{path}&after={after}";
        }

        throw new InvalidOperationException("The list did not end.");
    }
}
