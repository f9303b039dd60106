using System.Net;
using System.Net.Http.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Admin;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Accounts;

/// <summary>
/// The interleavings a race test hits only by luck, forced: a login or a key creation commits while a disable runs,
/// after the disable read the account's sessions or keys and before it committed. Everything is real (HTTP, SQLite,
/// the handlers); the repositories the disable reads through only pause it, once, while the other request commits.
/// </summary>
public sealed class DisableInterleavingTests : IAsyncDisposable
{
    private readonly Interleaving interleaving = new();
    private readonly AiprodApiFactory factory;

    public DisableInterleavingTests() => factory = new AiprodApiFactory(replaceServices: services =>
    {
        Decorate<IRefreshTokenRepository>(services, (sp, inner) => new PausingRefreshTokens(inner, sp.GetRequiredService<Interleaving>()));
        Decorate<IApiKeyRepository>(services, (sp, inner) => new PausingApiKeys(inner, sp.GetRequiredService<Interleaving>()));
        services.AddSingleton(interleaving);
    });

    private async Task<(HttpClient Client, string Admin, string UserId, string Token)> ArrangeAsync()
    {
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var user = await client.RegisterAsync("ann@example.com");
        return (client, admin, user.Str("id"), await client.LoginAsync("ann@example.com"));
    }

    [Fact]
    public async Task ALoginThatCommitsWhileTheDisableRuns_LeavesNoLiveSession()
    {
        var (client, admin, userId, _) = await ArrangeAsync();
        HttpResponseMessage? login = null;
        interleaving.ArmSessions(new UserId(Guid.Parse(userId)), async () =>
            login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }));

        var disable = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{userId}/disable", admin, new { reason = "test: disable" });

        Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login?.StatusCode);
        Assert.Equal(0, await factory.WithDbAsync(db => db.RefreshTokenFamilies.CountAsync(f => f.UserId == new UserId(Guid.Parse(userId)) && f.RevokedAt == null)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", (await login!.ReadJsonAsync()).Str("access_token"))).StatusCode);
    }

    [Fact]
    public async Task ALoginThatCommitsWhileADemotionRuns_GetsNoWorkingAdminToken()
    {
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var eve = await JobTestKit.RegisterAdminAsync(factory, client, "eve@example.com");
        var eveId = await client.IdOfAsync(eve);
        HttpResponseMessage? login = null;
        interleaving.ArmSessions(new UserId(Guid.Parse(eveId)), async () =>
            login = await client.PostAsJsonAsync("/auth/login", new { email = "eve@example.com", password = ApiClientExtensions.DefaultPassword }));

        var demotion = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{eveId}/role", admin, new { role = "user", reason = "test: demote" });

        Assert.Equal(HttpStatusCode.NoContent, demotion.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login?.StatusCode);
        var racing = (await login!.ReadJsonAsync()).Str("access_token");
        Assert.Equal("admin", AdminTestKit.RoleClaimOf(racing)); // the login read the account before the demotion committed
        Assert.Equal(0, await factory.WithDbAsync(db => db.RefreshTokenFamilies.CountAsync(f => f.UserId == new UserId(Guid.Parse(eveId)) && f.RevokedAt == null)));
        await (await client.GetWithTokenAsync("/admin/users", racing)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.GetWithTokenAsync("/admin/users", eve)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("user", AdminTestKit.RoleClaimOf(await client.LoginAsync("eve@example.com")));
    }

    [Fact]
    public async Task AKeyCreatedWhileTheDisableRuns_DoesNotSurviveIt()
    {
        var (client, admin, userId, token) = await ArrangeAsync();
        HttpResponseMessage? created = null;
        interleaving.ArmKeys(new UserId(Guid.Parse(userId)), async () =>
            created = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = "racing" }));

        var disable = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{userId}/disable", admin, new { reason = "test: disable" });

        Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created?.StatusCode);
        var key = await factory.WithDbAsync(db => db.ApiKeys.SingleAsync(k => k.OwnerId == new UserId(Guid.Parse(userId))));
        Assert.Equal(ApiKeyStatus.Revoked, key.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithKeyAsync("/api-keys/current", (await created!.ReadJsonAsync()).Str("key"))).StatusCode);
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    private static void Decorate<T>(IServiceCollection services, Func<IServiceProvider, T, T> decorate)
        where T : class
    {
        var original = services.Last(d => d.ServiceType == typeof(T));
        services.Remove(original);
        services.Add(new ServiceDescriptor(typeof(T), sp => decorate(sp, (T)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)), original.Lifetime));
    }

    /// <summary>One pause each for the next read of a user's sessions and of a user's keys, during which another request runs.</summary>
    private sealed class Interleaving
    {
        private (UserId UserId, Func<Task> Run)? sessions;
        private (UserId UserId, Func<Task> Run)? keys;

        public void ArmSessions(UserId userId, Func<Task> run) => sessions = (userId, run);

        public void ArmKeys(UserId userId, Func<Task> run) => keys = (userId, run);

        public Task AfterSessionsReadAsync(UserId userId) => Fire(ref sessions, userId);

        public Task AfterKeysReadAsync(UserId userId) => Fire(ref keys, userId);

        private static Task Fire(ref (UserId UserId, Func<Task> Run)? armed, UserId userId)
        {
            if (armed is not { } pending || pending.UserId != userId)
            {
                return Task.CompletedTask;
            }

            armed = null;
            return pending.Run();
        }
    }

    private sealed class PausingRefreshTokens(IRefreshTokenRepository inner, Interleaving interleaving) : IRefreshTokenRepository
    {
        public async Task<IReadOnlyList<RefreshTokenFamily>> ListActiveFamiliesAsync(UserId userId, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var families = await inner.ListActiveFamiliesAsync(userId, now, cancellationToken);
            await interleaving.AfterSessionsReadAsync(userId);
            return families;
        }

        public Task<RefreshToken?> FindByHashAsync(string tokenHash, CancellationToken cancellationToken) => inner.FindByHashAsync(tokenHash, cancellationToken);

        public Task<RefreshTokenFamily?> FindFamilyAsync(SessionId familyId, CancellationToken cancellationToken) => inner.FindFamilyAsync(familyId, cancellationToken);

        public void Add(RefreshTokenFamily family) => inner.Add(family);

        public void Add(RefreshToken token) => inner.Add(token);
    }

    private sealed class PausingApiKeys(IApiKeyRepository inner, Interleaving interleaving) : IApiKeyRepository
    {
        public async Task<IReadOnlyList<ApiKey>> ListUsableOwnedAsync(UserId ownerId, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var keys = await inner.ListUsableOwnedAsync(ownerId, now, cancellationToken);
            await interleaving.AfterKeysReadAsync(ownerId);
            return keys;
        }

        public Task<ApiKey?> FindOwnedAsync(UserId ownerId, ApiKeyId keyId, CancellationToken cancellationToken) => inner.FindOwnedAsync(ownerId, keyId, cancellationToken);

        public Task<ApiKey?> FindAsync(ApiKeyId keyId, CancellationToken cancellationToken) => inner.FindAsync(keyId, cancellationToken);

        public Task<IReadOnlyList<ApiKey>> ListOwnedAsync(UserId ownerId, CancellationToken cancellationToken) => inner.ListOwnedAsync(ownerId, cancellationToken);

        public Task<int> CountActiveAsync(UserId ownerId, DateTimeOffset now, CancellationToken cancellationToken) => inner.CountActiveAsync(ownerId, now, cancellationToken);

        public void Add(ApiKey key) => inner.Add(key);
    }
}
