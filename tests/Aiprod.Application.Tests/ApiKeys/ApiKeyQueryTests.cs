using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Queries.GetApiKeyHealth;
using Aiprod.Application.ApiKeys.Queries.GetApiKeyStats;
using Aiprod.Application.ApiKeys.Queries.ListApiKeys;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.ApiKeys;

/// <summary>What an owner reads of their keys: the list (audited), the counts, and the advice.</summary>
public sealed class ApiKeyQueryTests
{
    private readonly IApiKeyRepository keys = Substitute.For<IApiKeyRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;

    public ApiKeyQueryTests() => ann = Given.AUser(clock);

    private void Owned(params ApiKey[] owned) => keys.ListOwnedAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(owned);

    [Fact]
    public async Task List_ShowsTheActiveKeysNewestFirst_AndAuditsTheLook()
    {
        var older = Given.AKey(ann, clock);
        clock.Advance(TimeSpan.FromDays(1));
        var newer = Given.AKey(ann, clock);
        var revoked = Given.ARevokedKey(ann, clock);
        Owned(older, revoked, newer);

        var list = await new ListApiKeysQueryHandler(keys, audit, clock).Handle(new ListApiKeysQuery(ann.Id, false), TestContext.Current.CancellationToken);

        Assert.Equal([newer.Id, older.Id], list.Keys.Select(k => k.KeyId));
        Assert.Equal((2, 2), (list.Total, list.ActiveCount));
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.ApiKeyListed, ann.Id.ToString()), (entry.EventType, entry.Target));
        Assert.Equal(false, entry.Details!["include_inactive"]);
        Assert.Equal(2, entry.Details["count"]);
    }

    [Fact]
    public async Task List_WithInactiveKeys_ShowsThemWithTheirStatusNow_ExpiryIncluded()
    {
        var revoked = Given.ARevokedKey(ann, clock);
        var expiring = Given.AKey(ann, clock);
        clock.Advance(expiring.ExpiresAt - clock.GetUtcNow());
        var fresh = Given.AKey(ann, clock);
        Owned(revoked, expiring, fresh);

        var list = await new ListApiKeysQueryHandler(keys, audit, clock).Handle(new ListApiKeysQuery(ann.Id, true), TestContext.Current.CancellationToken);

        Assert.Equal(3, list.Total);
        Assert.Equal(1, list.ActiveCount);
        Assert.Equal(ApiKeyStatus.Expired, list.Keys.Single(k => k.KeyId == expiring.Id).Status);
        Assert.Equal(ApiKeyStatus.Revoked, list.Keys.Single(k => k.KeyId == revoked.Id).Status);
        Assert.Equal(true, Assert.Single(audit.Entries()).Details!["include_inactive"]);
    }

    [Fact]
    public async Task Stats_CountEachStatusAtTheTimeOfAsking()
    {
        var active = Given.AKey(ann, clock);
        var rotated = Given.ARotatedKey(ann, clock, TimeSpan.Zero);
        var revoked = Given.ARevokedKey(ann, clock);
        Owned(active, rotated, revoked);

        var stats = await new GetApiKeyStatsQueryHandler(keys, clock).Handle(new GetApiKeyStatsQuery(ann.Id), TestContext.Current.CancellationToken);

        Assert.Equal(3, stats.Total);
        Assert.Equal((1, 1, 1, 0), (stats.ByStatus["active"], stats.ByStatus["rotated"], stats.ByStatus["revoked"], stats.ByStatus["expired"]));
        Assert.Equal(active.ExpiresAt, stats.NextExpiration);

        clock.Advance(active.ExpiresAt - clock.GetUtcNow());
        var later = await new GetApiKeyStatsQueryHandler(keys, clock).Handle(new GetApiKeyStatsQuery(ann.Id), TestContext.Current.CancellationToken);

        Assert.Equal((0, 1), (later.ByStatus["active"], later.ByStatus["expired"]));
        Assert.Null(later.NextExpiration);
    }

    [Fact]
    public async Task Health_WithNoActiveKey_SaysSo()
    {
        Owned(Given.ARevokedKey(ann, clock));

        var health = await new GetApiKeyHealthQueryHandler(keys, clock).Handle(new GetApiKeyHealthQuery(ann.Id), TestContext.Current.CancellationToken);

        Assert.False(health.HasActiveKeys);
        Assert.Equal("no_active_keys", Assert.Single(health.Recommendations).Code);
    }

    [Fact]
    public async Task Health_NamesTheKeysThatNeedAction_AndWhy()
    {
        var narrow = Given.AKey(ann, clock, ApiKeyScope.JobsRead);
        var broad = Given.AKey(ann, clock, ApiKeyScope.PipelineWorker, ApiKeyScope.JobsWrite);
        // Five days before the end of their 90-day lifetime, never used.
        clock.Advance(TimeSpan.FromDays(85));
        Owned(narrow, broad);

        var health = await new GetApiKeyHealthQueryHandler(keys, clock).Handle(new GetApiKeyHealthQuery(ann.Id), TestContext.Current.CancellationToken);

        Assert.Equal((true, 2, true, 2), (health.HasActiveKeys, health.ActiveKeys, health.ExpirationWarning, health.UnusedKeys));
        var byCode = health.Recommendations.ToDictionary(r => r.Code, r => r.KeyIds);
        Assert.Equal(["expiring_soon", "never_used", "broad_scopes"], health.Recommendations.Select(r => r.Code));
        Assert.Equal([narrow.Id, broad.Id], byCode["expiring_soon"]);
        Assert.Equal([broad.Id], byCode["broad_scopes"]);
    }

    [Fact]
    public async Task Health_PastTenActiveKeys_AdvisesFewer()
    {
        Owned(Enumerable.Range(0, ApiKeyHealthRules.TooMany + 1).Select(_ => Given.AKey(ann, clock, ApiKeyScope.JobsRead)).ToArray());

        var health = await new GetApiKeyHealthQueryHandler(keys, clock).Handle(new GetApiKeyHealthQuery(ann.Id), TestContext.Current.CancellationToken);

        Assert.Equal(ApiKeyHealthRules.TooMany + 1, Assert.Single(health.Recommendations, r => r.Code == "too_many_keys").KeyIds.Count);
    }
}
