using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Commands.RevokeApiKey;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.ApiKeys;

public sealed class RevokeApiKeyCommandHandlerTests
{
    private readonly IApiKeyRepository keys = Substitute.For<IApiKeyRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;

    public RevokeApiKeyCommandHandlerTests() => ann = Given.AUser(clock);

    private RevokeApiKeyCommandHandler Handler() => new(keys, audit, clock);

    private ApiKey Stored(ApiKey key)
    {
        keys.FindOwnedAsync(ann.Id, key.Id, Arg.Any<CancellationToken>()).Returns(key);
        return key;
    }

    [Fact]
    public async Task Handle_AnActiveKey_StopsItAtOnce_AndInvalidatesItsCachedLookUps()
    {
        var key = Stored(Given.AKey(ann, clock));
        clock.Advance(TimeSpan.FromHours(1));

        var result = await Handler().Handle(new RevokeApiKeyCommand(ann.Id, key.Id, "  leaked in a log  "), TestContext.Current.CancellationToken);

        Assert.Equal((key.Id, ApiKeyStatus.Revoked, "leaked in a log"), (result.Value?.KeyId, result.Value?.Status, result.Value?.RevocationReason));
        Assert.Equal((ApiKeyStatus.Revoked, (DateTimeOffset?)clock.GetUtcNow()), (key.Status, key.RevokedAt));
        Assert.False(key.CanAuthenticate(clock.GetUtcNow()));
        Assert.Equal(new ApiKeyInvalidated(key.KeyHash), Assert.Single(key.TakeDomainEvents()));
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.ApiKeyRevoked, AuditOutcome.Success, key.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal("leaked in a log", entry.Details!["reason"]);
        Assert.Equal(key.KeyHash[..8], entry.Details["key_hash_prefix"]);
    }

    [Fact]
    public async Task Handle_AKeyInItsRotationGrace_EndsTheGrace()
    {
        var key = Stored(Given.ARotatedKey(ann, clock, TimeSpan.FromHours(1)));
        Assert.True(key.CanAuthenticate(clock.GetUtcNow()));

        var result = await Handler().Handle(new RevokeApiKeyCommand(ann.Id, key.Id, null), TestContext.Current.CancellationToken);

        Assert.Equal(ApiKeyStatus.Revoked, result.Value?.Status);
        Assert.False(key.CanAuthenticate(clock.GetUtcNow()));
        Assert.Single(key.TakeDomainEvents());
    }

    [Fact]
    public async Task Handle_AKeyAlreadyRevoked_IsAConflict_AndKeepsTheFirstRevocation()
    {
        var key = Stored(Given.ARevokedKey(ann, clock));
        var revokedAt = key.RevokedAt;
        clock.Advance(TimeSpan.FromHours(1));

        var result = await Handler().Handle(new RevokeApiKeyCommand(ann.Id, key.Id, "again"), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.Conflict, "api_key_already_revoked"), (result.Error?.Kind, result.Error?.Code));
        Assert.Equal((revokedAt, "leaked"), (key.RevokedAt, key.RevocationReason));
        Assert.Empty(key.TakeDomainEvents());
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_AnotherUsersKey_IsNotFound_AndKeepsWorking()
    {
        var bob = Given.AUser(clock, "bob@example.com");
        var bobsKey = Given.AKey(bob, clock);
        keys.FindOwnedAsync(bob.Id, bobsKey.Id, Arg.Any<CancellationToken>()).Returns(bobsKey);

        var result = await Handler().Handle(new RevokeApiKeyCommand(ann.Id, bobsKey.Id, null), TestContext.Current.CancellationToken);

        Assert.Equal(ApiKeyErrors.NotFound, result.Error);
        Assert.Equal(ApiKeyStatus.Active, bobsKey.Status);
        Assert.Empty(audit.Entries());
    }
}
