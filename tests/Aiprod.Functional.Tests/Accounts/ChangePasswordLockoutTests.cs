using System.Net;
using System.Net.Http.Json;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Accounts;

/// <summary>
/// A wrong current password on change-password is a password guess by whoever holds the access token: audited, and
/// counted toward the lockout like a failed login (the test host locks after 3).
/// </summary>
public sealed class ChangePasswordLockoutTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private static object Change(string current) => new { current_password = current, new_password = "a brand new passphrase" };

    [Fact]
    public async Task WrongCurrentPasswords_AreAudited_AndLockTheAccount_ThenChangeAndLoginAreRefused()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        for (var i = 0; i < 3; i++)
        {
            var wrong = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", token, Change("not my password " + i));
            await wrong.AssertProblemAsync(HttpStatusCode.BadRequest, "wrong_current_password");
        }

        var locked = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", token, Change(ApiClientExtensions.DefaultPassword));
        await locked.AssertProblemAsync((HttpStatusCode)423, "account_locked");
        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);
        await login.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        var audit = await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.PasswordChangeFailed || e.EventType == AuditEventTypes.UserLockedOut)
            .OrderBy(e => e.Id).Select(e => new { e.EventType, e.Details, e.ActorId }).ToListAsync());
        Assert.Equal(
            [AuditEventTypes.PasswordChangeFailed, AuditEventTypes.PasswordChangeFailed, AuditEventTypes.PasswordChangeFailed, AuditEventTypes.UserLockedOut, AuditEventTypes.PasswordChangeFailed],
            audit.Select(e => e.EventType));
        Assert.All(audit.Take(3), e => Assert.Contains("wrong_current_password", e.Details, StringComparison.Ordinal));
        Assert.Contains("locked_out", audit[^1].Details, StringComparison.Ordinal);
        Assert.All(audit, e => Assert.DoesNotContain("not my password", e.Details ?? string.Empty, StringComparison.Ordinal));
        Assert.True(await fixture.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.PasswordChangedAt == u.CreatedAt)), "the password must not have changed");
    }

    [Fact]
    public async Task FailedLogins_AndWrongCurrentPasswords_ShareOneCount()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "a wrong password" }, TestContext.Current.CancellationToken)).StatusCode);
        }

        await (await client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", token, Change("a wrong password"))).AssertProblemAsync(HttpStatusCode.BadRequest, "wrong_current_password");

        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);
        await login.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }
}

/// <summary>Many wrong current passwords at once: each one is counted and audited, none is lost to a lost race.</summary>
public sealed class ChangePasswordRaceTests : IAsyncDisposable
{
    private const int Actors = 6;
    private const int Rounds = 3;
    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?> { ["Auth:Lockout:MaxFailedAttempts"] = "1000" });

    [Fact]
    public async Task ParallelWrongCurrentPasswords_AreEachCounted_AndNoneIsA5xx()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        for (var round = 0; round < Rounds; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, Actors).Select(i =>
                client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", token, new { current_password = $"guess {round}-{i}", new_password = "a brand new passphrase" })));
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
        }

        Assert.Equal(Actors * Rounds, await factory.WithDbAsync(db => db.Users.Select(u => u.FailedLoginCount).SingleAsync()));
        Assert.Equal(Actors * Rounds, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == AuditEventTypes.PasswordChangeFailed)));
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
