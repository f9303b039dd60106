using System.Net;
using System.Net.Http.Json;
using Aiprod.Application.Accounts.Commands.PromoteToAdmin;
using Aiprod.Functional.Tests.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Functional.Tests.Accounts;

/// <summary>Register → login → /auth/me, lockout and audit, on every database provider.</summary>
public abstract class AccountFlowTests(IApiFixture fixture)
{
    [DatabaseFact]
    public async Task RegisterLoginMe_WorksWithTheToken()
    {
        var client = await fixture.CreateClientAsync();

        var registered = await client.RegisterAsync("Ann@Example.com", displayName: "Ann");
        Assert.Equal("ann@example.com", registered["email"]!.GetValue<string>());
        Assert.Equal("user", registered["role"]!.GetValue<string>());
        Assert.Null(registered["password_hash"]);

        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ANN@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal("no-store", login.Headers.CacheControl?.ToString());
        var tokens = await login.ReadJsonAsync();
        Assert.Equal("Bearer", tokens["token_type"]!.GetValue<string>());
        Assert.Equal(900, tokens["expires_in"]!.GetValue<int>());
        Assert.NotNull(tokens["issued_at"]);

        var me = await client.GetWithTokenAsync("/auth/me", tokens["access_token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.ReadJsonAsync();
        Assert.Equal(registered["id"]!.GetValue<string>(), body["id"]!.GetValue<string>());
        Assert.Equal("Ann", body["display_name"]!.GetValue<string>());
        Assert.NotNull(body["last_login_at"]);
    }

    [DatabaseFact]
    public async Task Me_WithoutAToken_Is401()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.GetAsync("/auth/me", TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [DatabaseFact]
    public async Task Me_WithATamperedToken_Is401()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var parts = token.Split('.');
        // Same signature, payload of another subject.
        var payload = System.Text.Json.Nodes.JsonNode.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload["sub"] = Guid.NewGuid().ToString();
        var tampered = $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";

        var response = await client.GetWithTokenAsync("/auth/me", tampered);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [DatabaseFact]
    public async Task Register_TheSameEmailInAnotherCase_Is409()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");

        var again = await client.PostAsJsonAsync("/auth/register", new { email = "ANN@EXAMPLE.COM", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);

        await again.AssertProblemAsync(HttpStatusCode.Conflict, "email_taken");
        Assert.Equal(1, await fixture.Factory.WithDbAsync(db => db.Users.CountAsync()));
    }

    [DatabaseFact]
    public async Task Register_TheSameEmailComposedAndDecomposed_IsOneAccount()
    {
        var client = await fixture.CreateClientAsync();
        const string Composed = "jos\u00e9@example.com";
        const string Decomposed = "jose\u0301@example.com";

        var registered = await client.RegisterAsync(Decomposed);
        var again = await client.PostAsJsonAsync("/auth/register", new { email = Composed, password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);

        Assert.Equal(Composed, registered.Str("email"));
        await again.AssertProblemAsync(HttpStatusCode.Conflict, "email_taken");
        var me = await (await client.GetWithTokenAsync("/auth/me", await client.LoginAsync(Composed))).ReadJsonAsync();
        Assert.Equal(registered.Str("id"), me.Str("id"));
        Assert.Equal(1, await fixture.Factory.WithDbAsync(db => db.Users.CountAsync()));
    }

    [DatabaseFact]
    public async Task Register_WithALongLocalPartAndNoDisplayName_StoresANameThatFits()
    {
        var client = await fixture.CreateClientAsync();

        var registered = await client.RegisterAsync(new string('a', 120) + "@example.com");

        Assert.Equal(new string('a', Aiprod.Domain.Users.User.DisplayNameMaxLength), registered.Str("display_name"));
    }

    [DatabaseFact]
    public async Task Register_ConcurrentlyWithOneEmail_CreatesOneAccountAndNo5xx()
    {
        var client = await fixture.CreateClientAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.PostAsJsonAsync("/auth/register", new { email = "race@example.com", password = ApiClientExtensions.DefaultPassword })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(1, await fixture.Factory.WithDbAsync(db => db.Users.CountAsync()));
    }

    [DatabaseFact]
    public async Task Login_UnknownEmailAndWrongPassword_GetTheSameAnswer()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");

        var wrong = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "not the password at all" }, TestContext.Current.CancellationToken);
        var unknown = await client.PostAsJsonAsync("/auth/login", new { email = "nobody@example.com", password = "not the password at all" }, TestContext.Current.CancellationToken);

        var a = await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var b = await unknown.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(a["detail"]!.GetValue<string>(), b["detail"]!.GetValue<string>());
        Assert.Equal(a["title"]!.GetValue<string>(), b["title"]!.GetValue<string>());
    }

    [DatabaseFact]
    public async Task Login_ParallelWrongPasswordsForAnExistingAccount_AreAll401LikeAnUnknownEmail()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = $"wrong password {i}" })));

        // Any other status (a 409 from the counter race, a 500) would tell an existing account from an unknown one.
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
    }

    [DatabaseFact]
    public async Task Login_ParallelCorrectPasswordsForOneAccount_AllSucceed()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(8, await fixture.Factory.WithDbAsync(db => db.RefreshTokenFamilies.CountAsync()));
    }

    [DatabaseFact]
    public async Task Login_AfterRepeatedFailures_LocksTheAccountAndAuditsIt()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");

        for (var i = 0; i < 3; i++)
        {
            var failed = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = $"wrong password {i}" }, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var locked = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);

        await locked.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var events = await fixture.Factory.WithDbAsync(db => db.AuditEvents.OrderBy(e => e.Id).Select(e => e.EventType).ToListAsync());
        Assert.Equal(["user.registered", "login.failed", "login.failed", "login.failed", "user.locked_out", "login.failed"], events);
    }

    [DatabaseFact]
    public async Task Audit_RecordsRegistrationAndLogins_WithContextAndNoSecret()
    {
        var client = await fixture.CreateClientAsync();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("aiprod-tests/1.0");
        await client.RegisterAndLoginAsync("ann@example.com");
        await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "a wrong password!" }, TestContext.Current.CancellationToken);

        var events = await fixture.Factory.WithDbAsync(db => db.AuditEvents.OrderBy(e => e.Id).ToListAsync());

        Assert.Equal(["user.registered", "login.succeeded", "token.issued", "login.failed"], events.Select(e => e.EventType));
        Assert.All(events, e =>
        {
            Assert.Equal("aiprod-tests/1.0", e.UserAgent);
            Assert.False(string.IsNullOrEmpty(e.TraceId));
            var everything = string.Join('|', e.EventType, e.ActorId, e.Target, e.Details, e.UserAgent);
            Assert.DoesNotContain(ApiClientExtensions.DefaultPassword, everything, StringComparison.Ordinal);
            Assert.DoesNotContain("a wrong password!", everything, StringComparison.Ordinal);
        });
        Assert.Contains("wrong_password", events[3].Details, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task PromoteToAdmin_GivesTheAdminRoleInTheNextToken()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ops@example.com");

        await using (var scope = fixture.Factory.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new PromoteToAdminCommand("OPS@example.com"), TestContext.Current.CancellationToken);
            Assert.True(result.IsSuccess);
        }

        var token = await client.LoginAsync("ops@example.com");
        Assert.Equal("admin", new JsonWebToken(token).GetClaim("role").Value);
        var me = await (await client.GetWithTokenAsync("/auth/me", token)).ReadJsonAsync();
        Assert.Equal("admin", me["role"]!.GetValue<string>());
    }
}

public sealed class SqliteAccountFlowTests(SqliteApiFixture fixture) : AccountFlowTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerAccountFlowTests(SqlServerApiFixture fixture) : AccountFlowTests(fixture), IClassFixture<SqlServerApiFixture>;
