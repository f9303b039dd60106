using System.Security.Cryptography;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.ApiKeys;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Infrastructure.Tests;

public sealed class ApiKeyAuthenticatorTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly IApiKeyStore store = Substitute.For<IApiKeyStore>();
    private readonly string key = ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32));

    private ApiKeyAuthenticator Authenticator() =>
        new(store, new ApiKeyUsageRecorder(), new ApiKeyCacheOptions(), clock);

    private ApiKey Issued() =>
        ApiKey.Issue(new UserId(Guid.NewGuid()), "ci", [ApiKeyScopes.JobsRead], ApiKeyFormat.Hash(key), ApiKeyFormat.DisplayPrefix(key), clock.GetUtcNow(), TimeSpan.FromDays(90));

    private StoredApiKey Stored(ApiKey? issued = null, bool ownerDisabled = false) => new(issued ?? Issued(), ownerDisabled);

    [Fact]
    public async Task AWarmKey_IsAnsweredFromTheCache()
    {
        store.FindByHashAsync(ApiKeyFormat.Hash(key), Arg.Any<CancellationToken>()).Returns(Stored());
        var authenticator = Authenticator();

        Assert.True((await authenticator.AuthenticateAsync(key, TestContext.Current.CancellationToken)).Succeeded);
        Assert.True((await authenticator.AuthenticateAsync(key, TestContext.Current.CancellationToken)).Succeeded);

        await store.Received(1).FindByHashAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ARevocationDuringALookUp_IsNotUndoneByCachingWhatWasReadBeforeIt()
    {
        var beforeRevocation = Stored();
        var revoked = Issued();
        revoked.Revoke(clock.GetUtcNow(), "leaked");
        var afterRevocation = Stored(revoked);
        var inFlight = new TaskCompletionSource<StoredApiKey?>();
        store.FindByHashAsync(ApiKeyFormat.Hash(key), Arg.Any<CancellationToken>()).Returns(inFlight.Task, Task.FromResult<StoredApiKey?>(afterRevocation));
        var authenticator = Authenticator();

        // A request reads the key; before its read returns, the revocation commits and invalidates.
        var racing = authenticator.AuthenticateAsync(key, TestContext.Current.CancellationToken);
        await authenticator.InvalidateAsync([ApiKeyFormat.Hash(key)], TestContext.Current.CancellationToken);
        inFlight.SetResult(beforeRevocation);
        Assert.True((await racing).Succeeded);

        var next = await authenticator.AuthenticateAsync(key, TestContext.Current.CancellationToken);

        Assert.Equal(ApiKeyRefusal.Revoked, next.Refusal);
    }

    [Fact]
    public async Task AnActiveKeyOfADisabledOwner_IsRefused()
    {
        store.FindByHashAsync(ApiKeyFormat.Hash(key), Arg.Any<CancellationToken>()).Returns(Stored(ownerDisabled: true));

        var result = await Authenticator().AuthenticateAsync(key, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal(ApiKeyRefusal.OwnerDisabled, result.Refusal);
    }

    [Fact]
    public async Task AMistypedKey_NeverReachesTheStore()
    {
        var mistyped = key[..20] + (key[20] == 'a' ? 'b' : 'a') + key[21..];

        var result = await Authenticator().AuthenticateAsync(mistyped, TestContext.Current.CancellationToken);

        Assert.Equal(ApiKeyRefusal.Malformed, result.Refusal);
        await store.DidNotReceiveWithAnyArgs().FindByHashAsync(default!, TestContext.Current.CancellationToken);
    }
}
