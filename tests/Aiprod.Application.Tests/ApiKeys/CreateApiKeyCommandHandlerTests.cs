using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys;
using Aiprod.Application.ApiKeys.Commands.CreateApiKey;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.ApiKeys;

public sealed class CreateApiKeyCommandHandlerTests
{
    private readonly IApiKeyRepository keys = Substitute.For<IApiKeyRepository>();
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IApiKeyGenerator generator = Substitute.For<IApiKeyGenerator>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly ApiKeyOptions options = new() { MaxActiveKeysPerUser = 2, DefaultLifetimeDays = 30 };
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly GeneratedApiKey generated = new("aip_live_secret", Given.AHash(), "aip_live");
    private readonly User ann;
    private ApiKey? added;

    public CreateApiKeyCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        users.FindByIdAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann);
        keys.CountActiveAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns(1);
        generator.Generate().Returns(generated);
        keys.Add(Arg.Do<ApiKey>(k => added = k));
    }

    private CreateApiKeyCommandHandler Handler() => new(keys, users, generator, audit, Options.Create(options), clock);

    private ValueTask<Result<IssuedApiKeyDto>> CreateAsync(IReadOnlyList<ApiKeyScope>? scopes = null, int? expiresInDays = null) =>
        Handler().Handle(new CreateApiKeyCommand(ann.Id, " build server ", scopes, expiresInDays), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Handle_BelowTheCap_IssuesAKeyWithTheDefaults_ShownOnceAndStoredAsItsHash()
    {
        var versionBefore = ann.Version;

        var result = await CreateAsync();

        Assert.True(result.IsSuccess);
        Assert.Equal("aip_live_secret", result.Value.Key);
        Assert.NotNull(added);
        Assert.Equal(ann.Id, added.OwnerId);
        Assert.Equal((generated.Hash, "aip_live", "build server"), (added.KeyHash, added.Prefix, added.Name));
        Assert.Equal(ApiKeyScopes.Default.Order(), added.Scopes);
        Assert.Equal(clock.GetUtcNow().AddDays(options.DefaultLifetimeDays), added.ExpiresAt);
        Assert.Equal((added.Id, ApiKeyStatus.Active), (result.Value.ApiKey.KeyId, result.Value.ApiKey.Status));
        // Issuing is a change of the owner, so two creations (or a creation and a disable) cannot both commit.
        Assert.Equal(versionBefore + 1, ann.Version);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.ApiKeyCreated, AuditOutcome.Success, added.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal(generated.Hash[..8], entry.Details!["key_hash_prefix"]);
        Assert.DoesNotContain(entry.Details.Values, v => v is string s && (s.Contains("secret", StringComparison.Ordinal) || s == generated.Hash));
    }

    [Fact]
    public async Task Handle_WithScopesAndALifetime_KeepsThem()
    {
        var result = await CreateAsync([ApiKeyScope.PipelineWorker], expiresInDays: 7);

        Assert.Equal([ApiKeyScope.PipelineWorker], result.Value?.ApiKey.Scopes);
        Assert.Equal(clock.GetUtcNow().AddDays(7), added?.ExpiresAt);
    }

    [Fact]
    public async Task Handle_AtTheCap_IsAConflict_AndIssuesNothing()
    {
        keys.CountActiveAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns(options.MaxActiveKeysPerUser);

        var result = await CreateAsync();

        Assert.Equal((ErrorKind.Conflict, "api_key_limit_reached"), (result.Error?.Kind, result.Error?.Code));
        Assert.Null(added);
        generator.DidNotReceive().Generate();
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_ForADisabledOwner_IsForbidden_AndIssuesNothing()
    {
        ann.Disable(clock.GetUtcNow());
        var versionBefore = ann.Version;

        var result = await CreateAsync();

        Assert.Equal(UserErrors.Disabled, result.Error);
        Assert.Null(added);
        Assert.Equal(versionBefore, ann.Version);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_ForAnOwnerWhoIsGone_IsNotFound()
    {
        var gone = Given.AUser(clock, "gone@example.com");

        var result = await Handler().Handle(new CreateApiKeyCommand(gone.Id, "build server", null, null), TestContext.Current.CancellationToken);

        Assert.Equal(UserErrors.NotFound, result.Error);
        Assert.Null(added);
    }
}
