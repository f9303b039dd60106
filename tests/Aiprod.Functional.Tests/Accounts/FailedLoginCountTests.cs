using System.Net;
using System.Net.Http.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Accounts;

/// <summary>
/// Wrong passwords sent at once, more of them than any retry bound: each is counted and audited, so parallel guessing
/// is no way around the lockout.
/// </summary>
public sealed class FailedLoginCountTests : IAsyncDisposable
{
    private const int Actors = 30;
    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?> { ["Auth:Lockout:MaxFailedAttempts"] = "1000" });

    [Fact]
    public async Task ParallelWrongLogins_AreEachCounted_AndEachAudited()
    {
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");

        var answers = await Task.WhenAll(Enumerable.Range(0, Actors).Select(i =>
            client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = $"wrong guess {i}" })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        Assert.Equal(Actors, await factory.WithDbAsync(db => db.Users.Select(u => u.FailedLoginCount).SingleAsync()));
        Assert.Equal(Actors, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == AuditEventTypes.LoginFailed && e.Details!.Contains("wrong_password"))));
    }

    [Fact]
    public async Task ParallelWrongCurrentPasswords_BeyondTheRetryBound_AreEachCounted_AndNoneIsA409()
    {
        const int changers = 3 * Actors;
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var answers = await Task.WhenAll(Enumerable.Range(0, changers).Select(i =>
            client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", token, new { current_password = $"guess {i}", new_password = "a brand new passphrase" })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
        Assert.Equal(changers, await factory.WithDbAsync(db => db.Users.Select(u => u.FailedLoginCount).SingleAsync()));
        Assert.Equal(changers, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == AuditEventTypes.PasswordChangeFailed)));
    }

    [Fact]
    public async Task AChangedPassword_ResetsTheFailedLoginCount()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        for (var i = 0; i < 2; i++)
        {
            await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "a wrong password" }, TestContext.Current.CancellationToken);
        }

        var changed = await client.SendWithTokenAsync(HttpMethod.Post, "/auth/change-password", token, new { current_password = ApiClientExtensions.DefaultPassword, new_password = "a brand new passphrase" });

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(0, await factory.WithDbAsync(db => db.Users.Select(u => u.FailedLoginCount).SingleAsync()));
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>Parallel failures past the threshold: the account is locked once, with one lockout audit.</summary>
public sealed class ParallelLockoutTests : IAsyncDisposable
{
    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?> { ["Auth:Lockout:MaxFailedAttempts"] = "5" });

    [Fact]
    public async Task ParallelWrongLogins_PastTheThreshold_LockOnce()
    {
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = $"wrong guess {i}" })));

        Assert.Equal(1, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == AuditEventTypes.UserLockedOut)));
        Assert.True(await factory.WithDbAsync(db => db.Users.Select(u => u.LockoutEndsAt != null).SingleAsync()));
        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);
        await login.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    /// <summary>
    /// The failure that locks moves the version twice (its count, then its lock): a login that read the account between
    /// the two statements must fail its version check rather than commit a reset count over a locked account.
    /// </summary>
    [Fact]
    public async Task TheLockingFailure_MovesTheVersionWithTheLock()
    {
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");
        for (var i = 0; i < 4; i++)
        {
            await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = $"wrong guess {i}" }, TestContext.Current.CancellationToken);
        }

        var before = await factory.WithDbAsync(db => db.Users.Select(u => u.Version).SingleAsync());
        await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "the locking guess" }, TestContext.Current.CancellationToken);

        Assert.True(await factory.WithDbAsync(db => db.Users.Select(u => u.LockoutEndsAt != null).SingleAsync()));
        Assert.Equal(before + 2, await factory.WithDbAsync(db => db.Users.Select(u => u.Version).SingleAsync()));
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>
/// A login's commit carries the account's version even when it changes nothing else: here a login at the very instant
/// of the previous one (the clock does not move, so LastLoginAt is written unchanged) read the account, then an admin
/// disabled it; the login must not commit a session for the disabled account.
/// </summary>
public sealed class LoginVersionCheckTests : IAsyncDisposable
{
    // Whole seconds, so that the stored time reads back equal to the clock's and the login writes no new LastLoginAt.
    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly PauseAfterRead pause = new();
    private readonly AiprodApiFactory factory;

    public LoginVersionCheckTests() => factory = new AiprodApiFactory(clock: clock, replaceServices: services =>
    {
        var original = services.Last(d => d.ServiceType == typeof(IUserRepository));
        services.Remove(original);
        services.Add(new ServiceDescriptor(
            typeof(IUserRepository),
            sp => new PausingUsers((IUserRepository)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!), pause),
            original.Lifetime));
    });

    [Fact]
    public async Task ALoginAtTheSameInstant_ThatReadTheAccountBeforeADisable_IsRefused()
    {
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var userId = (await client.RegisterAsync("ann@example.com")).Str("id");
        await client.LoginAsync("ann@example.com");

        HttpResponseMessage? disable = null;
        pause.Arm("ann@example.com", async () => disable = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{userId}/disable", admin, new { reason = "test: disable" }));
        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, disable?.StatusCode);
        await login.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(0, await factory.WithDbAsync(db => db.RefreshTokenFamilies.CountAsync(f => f.UserId == new UserId(Guid.Parse(userId)) && f.RevokedAt == null)));
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    private sealed class PauseAfterRead
    {
        private (string Email, Func<Task> Run)? armed;

        public void Arm(string email, Func<Task> run) => armed = (email, run);

        public Task FireAsync(string email)
        {
            if (armed is not { } pending || pending.Email != email)
            {
                return Task.CompletedTask;
            }

            armed = null;
            return pending.Run();
        }
    }

    private sealed class PausingUsers(IUserRepository inner, PauseAfterRead pause) : IUserRepository
    {
        public async Task<User?> FindByEmailAsync(Email email, CancellationToken cancellationToken)
        {
            var user = await inner.FindByEmailAsync(email, cancellationToken);
            await pause.FireAsync(email.Value);
            return user;
        }

        public Task<User?> FindByIdAsync(UserId id, CancellationToken cancellationToken) => inner.FindByIdAsync(id, cancellationToken);

        public Task<bool> IsAdminAsync(UserId id, CancellationToken cancellationToken) => inner.IsAdminAsync(id, cancellationToken);

        public Task<bool> EmailExistsAsync(Email email, CancellationToken cancellationToken) => inner.EmailExistsAsync(email, cancellationToken);

        public void Add(User user) => inner.Add(user);

        public Task<FailedLoginRecorded> RecordFailedLoginAsync(UserId userId, DateTimeOffset now, LockoutPolicy policy, CancellationToken cancellationToken) =>
            inner.RecordFailedLoginAsync(userId, now, policy, cancellationToken);

        public void RequireUnchangedSinceRead(User user) => inner.RequireUnchangedSinceRead(user);
    }
}
