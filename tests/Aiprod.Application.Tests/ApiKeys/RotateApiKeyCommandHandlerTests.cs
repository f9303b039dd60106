using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys;
using Aiprod.Application.ApiKeys.Commands.RotateApiKey;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.ApiKeys;

public sealed class RotateApiKeyCommandHandlerTests
{
    private readonly IApiKeyRepository keys = Substitute.For<IApiKeyRepository>();
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IApiKeyGenerator generator = Substitute.For<IApiKeyGenerator>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly ApiKeyOptions options = new() { DefaultLifetimeDays = 30 };
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly GeneratedApiKey generated = new("aip_next_secret", Given.AHash(), "aip_next");
    private readonly User ann;
    private readonly ApiKey key;
    private ApiKey? added;

    public RotateApiKeyCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        key = Given.AKey(ann, clock, ApiKeyScope.JobsRead, ApiKeyScope.PipelineWorker);
        users.FindByIdAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann);
        keys.FindOwnedAsync(ann.Id, key.Id, Arg.Any<CancellationToken>()).Returns(key);
        generator.Generate().Returns(generated);
        keys.Add(Arg.Do<ApiKey>(k => added = k));
    }

    private RotateApiKeyCommandHandler Handler() => new(keys, users, generator, audit, Options.Create(options), clock);

    private ValueTask<Result<IssuedApiKeyDto>> RotateAsync(int? graceSeconds = 3600) =>
        Handler().Handle(new RotateApiKeyCommand(ann.Id, key.Id, graceSeconds), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Handle_IssuesTheSuccessor_AndKeepsTheOldKeyWorkingThroughTheGrace()
    {
        clock.Advance(TimeSpan.FromDays(1));

        var result = await RotateAsync();

        Assert.True(result.IsSuccess);
        Assert.Equal("aip_next_secret", result.Value.Key);
        Assert.NotNull(added);
        Assert.Equal(key.Id, added.ParentKeyId);
        Assert.Equal((key.Name, generated.Hash, ApiKeyStatus.Active), (added.Name, added.KeyHash, added.Status));
        Assert.Equal(key.Scopes, added.Scopes);
        Assert.Equal(clock.GetUtcNow().AddDays(options.DefaultLifetimeDays), added.ExpiresAt);
        Assert.Equal(added.Id, result.Value.ApiKey.KeyId);
        Assert.Equal((ApiKeyStatus.Rotated, (DateTimeOffset?)clock.GetUtcNow().AddHours(1)), (key.Status, key.GraceEndsAt));
        Assert.True(key.CanAuthenticate(clock.GetUtcNow().AddMinutes(59)));
        Assert.Equal(new ApiKeyInvalidated(key.KeyHash), Assert.Single(key.TakeDomainEvents()));
        Assert.Empty(added.TakeDomainEvents());
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.ApiKeyRotated, AuditOutcome.Success, key.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal(added.Id, entry.Details!["new_key_id"]);
        Assert.Equal("aip_next", entry.Details["new_prefix"]);
        Assert.Equal(key.GraceEndsAt, entry.Details["grace_ends_at"]);
    }

    [Fact]
    public async Task Handle_WithoutAGracePeriod_StopsTheOldKeyAtOnce()
    {
        var result = await RotateAsync(graceSeconds: null);

        Assert.True(result.IsSuccess);
        Assert.False(key.CanAuthenticate(clock.GetUtcNow()));
    }

    [Fact]
    public async Task Handle_ARevokedKey_IsAConflict_AndIssuesNothing()
    {
        _ = key.Revoke(clock.GetUtcNow(), "leaked");
        _ = key.TakeDomainEvents();

        var result = await RotateAsync();

        Assert.Equal((ErrorKind.Conflict, "api_key_not_active"), (result.Error?.Kind, result.Error?.Code));
        Assert.Equal(ApiKeyStatus.Revoked, key.Status);
        Assert.Null(added);
        Assert.Empty(key.TakeDomainEvents());
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_AnExpiredKey_IsAConflict()
    {
        clock.Advance(key.ExpiresAt - clock.GetUtcNow());

        var result = await RotateAsync();

        Assert.Equal("api_key_not_active", result.Error?.Code);
        Assert.Contains("expired", result.Error?.Message, StringComparison.Ordinal);
        Assert.Null(added);
    }

    [Fact]
    public async Task Handle_AKeyRotatedAlready_IsAConflict()
    {
        await RotateAsync();
        added = null;

        var again = await RotateAsync();

        Assert.Equal("api_key_not_active", again.Error?.Code);
        Assert.Null(added);
    }

    [Fact]
    public async Task Handle_AnotherUsersKey_IsNotFound()
    {
        var bob = Given.AUser(clock, "bob@example.com");
        users.FindByIdAsync(bob.Id, Arg.Any<CancellationToken>()).Returns(bob);

        var result = await Handler().Handle(new RotateApiKeyCommand(bob.Id, key.Id, null), TestContext.Current.CancellationToken);

        Assert.Equal(ApiKeyErrors.NotFound, result.Error);
        Assert.Equal(ApiKeyStatus.Active, key.Status);
        Assert.Null(added);
    }

    [Fact]
    public async Task Handle_ForADisabledOwner_IsForbidden_AndTheKeyIsLeftAsItWas()
    {
        ann.Disable(clock.GetUtcNow());

        var result = await RotateAsync();

        Assert.Equal(UserErrors.Disabled, result.Error);
        Assert.Equal(ApiKeyStatus.Active, key.Status);
        Assert.Null(added);
        Assert.Empty(audit.Entries());
    }
}
