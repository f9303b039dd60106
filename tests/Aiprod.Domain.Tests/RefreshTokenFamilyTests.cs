using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Domain.Tests;

public sealed class RefreshTokenFamilyTests
{
    private static readonly RefreshTokenPolicy Policy = new(TimeSpan.FromDays(7), TimeSpan.FromDays(30), TimeSpan.FromSeconds(30));
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero));

    private RefreshTokenFamily NewFamily() => RefreshTokenFamily.Start(new UserId(Guid.NewGuid()), clock.GetUtcNow(), Policy, "127.0.0.1", "tests");

    private RefreshToken Issue(RefreshTokenFamily family, RefreshToken? parent = null)
    {
        var result = family.Issue(Guid.NewGuid().ToString("N"), parent, clock.GetUtcNow(), Policy);
        Assert.True(result.IsSuccess);
        return result.Value;
    }

    [Fact]
    public void Start_CapsTheFamilyAtItsAbsoluteLifetime()
    {
        var family = NewFamily();

        Assert.Equal(clock.GetUtcNow() + Policy.FamilyLifetime, family.ExpiresAt);
        Assert.True(family.IsActive(clock.GetUtcNow()));
    }

    [Fact]
    public void Issue_FirstTokenIsGenerationZeroAndLivesSevenDays()
    {
        var token = Issue(NewFamily());

        Assert.Equal(0, token.Generation);
        Assert.Null(token.ParentId);
        Assert.Equal(clock.GetUtcNow() + Policy.TokenLifetime, token.ExpiresAt);
        Assert.Equal(RefreshTokenStatus.Active, token.StatusAt(clock.GetUtcNow()));
    }

    [Fact]
    public void Rotation_LinksTheChildToItsParent()
    {
        var family = NewFamily();
        var parent = Issue(family);
        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(RedemptionOutcome.Redeemed, parent.Redeem(clock.GetUtcNow(), Policy.ReuseLeeway));
        var child = Issue(family, parent);

        Assert.Equal(1, child.Generation);
        Assert.Equal(parent.Id, child.ParentId);
        Assert.Equal(RefreshTokenStatus.Redeemed, parent.StatusAt(clock.GetUtcNow()));
        Assert.Equal(clock.GetUtcNow(), family.LastUsedAt);
    }

    [Fact]
    public void Issue_TheChildOfATokenNeverRedeemed_IsRefused()
    {
        var family = NewFamily();
        var parent = Issue(family);

        Assert.Throws<InvalidOperationException>(() => family.Issue("child-hash", parent, clock.GetUtcNow(), Policy));
    }

    [Fact]
    public void Rotation_NeverExtendsTheFamilyPastItsCap()
    {
        var family = NewFamily();
        var token = Issue(family);
        for (var day = 6; day <= 24; day += 6)
        {
            clock.Advance(TimeSpan.FromDays(6));
            Assert.Equal(RedemptionOutcome.Redeemed, token.Redeem(clock.GetUtcNow(), Policy.ReuseLeeway));
            token = Issue(family, token);
        }

        clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(RedemptionOutcome.Redeemed, token.Redeem(clock.GetUtcNow(), Policy.ReuseLeeway));
        var child = Issue(family, token);

        Assert.Equal(family.ExpiresAt, child.ExpiresAt);
        clock.Advance(TimeSpan.FromDays(3));
        Assert.False(family.IsActive(clock.GetUtcNow()));
        Assert.False(family.Issue("late", child, clock.GetUtcNow(), Policy).IsSuccess);
        Assert.Equal(RefreshTokenStatus.Expired, child.StatusAt(clock.GetUtcNow()));
    }

    [Fact]
    public void Redeem_WithinTheLeeway_IsAConcurrentRefresh()
    {
        var token = Issue(NewFamily());
        token.Redeem(clock.GetUtcNow(), Policy.ReuseLeeway);

        clock.Advance(Policy.ReuseLeeway);

        Assert.Equal(RedemptionOutcome.RedeemedWithinLeeway, token.Redeem(clock.GetUtcNow(), Policy.ReuseLeeway));
    }

    [Fact]
    public void Redeem_PastTheLeeway_IsAReuse()
    {
        var token = Issue(NewFamily());
        var redeemedAt = clock.GetUtcNow();
        token.Redeem(redeemedAt, Policy.ReuseLeeway);

        clock.Advance(Policy.ReuseLeeway + TimeSpan.FromMilliseconds(1));

        Assert.Equal(RedemptionOutcome.Reused, token.Redeem(clock.GetUtcNow(), Policy.ReuseLeeway));
        Assert.Equal(redeemedAt, token.RedeemedAt);
    }

    [Fact]
    public void Redeem_AfterTheTokenExpired_IsRefusedAndLeavesItUnredeemed()
    {
        var token = Issue(NewFamily());
        clock.Advance(Policy.TokenLifetime);

        Assert.Equal(RedemptionOutcome.Expired, token.Redeem(clock.GetUtcNow(), Policy.ReuseLeeway));
        Assert.Null(token.RedeemedAt);
        Assert.Equal(RefreshTokenStatus.Expired, token.StatusAt(clock.GetUtcNow()));
    }

    [Fact]
    public void Revoke_EndsTheFamilyOnceAndKeepsTheFirstReason()
    {
        var family = NewFamily();
        var token = Issue(family);

        Assert.True(family.Revoke(clock.GetUtcNow(), "token_reuse"));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(family.Revoke(clock.GetUtcNow(), "logout_all"));

        Assert.Equal("token_reuse", family.RevocationReason);
        Assert.False(family.IsActive(clock.GetUtcNow()));
        Assert.Equal(RefreshTokenStatus.Revoked, token.StatusAt(clock.GetUtcNow()));
        Assert.False(family.Issue("after", token, clock.GetUtcNow(), Policy).IsSuccess);
    }

    [Fact]
    public void Start_TruncatesOverlongClientDetails()
    {
        var family = RefreshTokenFamily.Start(new UserId(Guid.NewGuid()), clock.GetUtcNow(), Policy, new string('1', 100), new string('a', 2000));

        Assert.Equal(RefreshTokenFamily.ClientAddressMaxLength, family.ClientAddress!.Length);
        Assert.Equal(RefreshTokenFamily.UserAgentMaxLength, family.UserAgent!.Length);
    }

    [Fact]
    public void Revoke_MovesTheVersion_ButARefreshDoesNot()
    {
        var family = NewFamily();
        var start = family.Version;

        Issue(family);
        family.Touch(clock.GetUtcNow(), "10.0.0.1", "another agent");
        Assert.Equal(start, family.Version);

        family.Revoke(clock.GetUtcNow(), "logout");
        var revoked = family.Version;
        family.Revoke(clock.GetUtcNow(), "again");

        Assert.NotEqual(start, revoked);
        Assert.Equal(revoked, family.Version);
    }
}
