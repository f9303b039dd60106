using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Domain.Tests;

/// <summary>What each aggregate raises for the commit behaviour to announce, and that it raises it once.</summary>
public sealed class DomainEventTests
{
    private static readonly RefreshTokenPolicy Policy = new(TimeSpan.FromDays(7), TimeSpan.FromDays(30), TimeSpan.FromSeconds(30));
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));

    private ApiKey Key() => ApiKey.Issue(new UserId(Guid.NewGuid()), "runner", [ApiKeyScopes.JobsRead], Guid.NewGuid().ToString("N"), "aip_prefix01", clock.GetUtcNow(), TimeSpan.FromDays(30));

    [Fact]
    public void RevokingASession_RaisesItsRevocationOnce()
    {
        var family = RefreshTokenFamily.Start(new UserId(Guid.NewGuid()), clock.GetUtcNow(), Policy, null, null);

        Assert.True(family.Revoke(clock.GetUtcNow(), "logout_all"));
        Assert.False(family.Revoke(clock.GetUtcNow(), "again"));

        Assert.Equal(new SessionRevoked(family.Id), Assert.Single(family.TakeDomainEvents()));
        Assert.Empty(family.TakeDomainEvents());
    }

    [Fact]
    public void RevokingOrRotatingAKey_InvalidatesItsCachedLookUp()
    {
        var revoked = Key();
        var rotated = Key();

        revoked.Revoke(clock.GetUtcNow(), null);
        rotated.Rotate("new-hash", "aip_prefix02", clock.GetUtcNow(), TimeSpan.Zero, TimeSpan.FromDays(30));

        Assert.Equal(new ApiKeyInvalidated(revoked.KeyHash), Assert.Single(revoked.TakeDomainEvents()));
        Assert.Equal(new ApiKeyInvalidated(rotated.KeyHash), Assert.Single(rotated.TakeDomainEvents()));
    }

    [Fact]
    public void RevokeEveryUsable_StopsTheUsableKeysAndLeavesARevokedOneAsItWas()
    {
        var usable = Key();
        var alreadyRevoked = Key();
        alreadyRevoked.Revoke(clock.GetUtcNow(), "earlier");
        alreadyRevoked.TakeDomainEvents();
        clock.Advance(TimeSpan.FromMinutes(1));

        var stopped = ApiKey.RevokeEveryUsable([usable, alreadyRevoked], clock.GetUtcNow(), "user_disabled");

        Assert.Same(usable, Assert.Single(stopped));
        Assert.Equal("earlier", alreadyRevoked.RevocationReason);
        Assert.Empty(alreadyRevoked.TakeDomainEvents());
    }

    [Fact]
    public void EveryJobEvent_IsRaisedForTheLiveSubscribers()
    {
        var job = PipelineJob.Submit(new UserId(Guid.NewGuid()), "a teaser", JobPreset.QuickSocial, JobPriority.Normal, "en", 30, clock.GetUtcNow());
        job.Claim(new ApiKeyId(Guid.NewGuid()), clock.GetUtcNow(), TimeSpan.FromMinutes(1));

        var raised = job.TakeDomainEvents().Cast<JobEventRecorded>().Select(e => e.Event.Sequence);

        Assert.Equal([1L, 2L], raised);
    }

    [Fact]
    public void DisablingAUser_RaisesItOnce()
    {
        var user = new UserBuilder().Build();

        user.Disable(clock.GetUtcNow());
        user.Disable(clock.GetUtcNow());

        Assert.Equal(new UserDisabled(user.Id), Assert.Single(user.TakeDomainEvents()));
    }
}
