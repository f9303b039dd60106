using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Domain.Tests;

public sealed class UserAdministrationTests
{
    private static readonly LockoutPolicy Policy = new(3, TimeSpan.FromMinutes(10));
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Enable_ADisabledUser_LetsItLogInAgain_AndMovesTheVersion()
    {
        var user = new UserBuilder().Build();
        Assert.True(user.Disable(clock.GetUtcNow()).IsSuccess);
        var version = user.Version;

        Assert.True(user.Enable().IsSuccess);

        Assert.False(user.IsDisabled);
        Assert.Null(user.DisabledAt);
        Assert.True(user.Version > version);
    }

    [Fact]
    public void Enable_WhenNotDisabled_IsRefused()
    {
        var user = new UserBuilder().Build();

        var result = user.Enable();

        Assert.Equal("not_disabled", result.Error?.Code);
        Assert.Equal(ErrorKind.Conflict, result.Error?.Kind);
    }

    [Fact]
    public void Unlock_ALockedUser_ClearsTheLockoutAndTheCount()
    {
        var user = new UserBuilder().Build();
        var now = clock.GetUtcNow();
        for (var i = 0; i < Policy.MaxFailedAttempts; i++)
        {
            user.RecordFailedLogin(now, Policy);
        }

        Assert.True(user.IsLockedOut(now));
        var version = user.Version;

        Assert.True(user.Unlock().IsSuccess);

        Assert.False(user.IsLockedOut(now));
        Assert.Equal(0, user.FailedLoginCount);
        Assert.Null(user.LockoutEndsAt);
        Assert.True(user.Version > version);
    }

    [Fact]
    public void Unlock_WithFailedLoginsButNoLockout_ClearsTheCount()
    {
        var user = new UserBuilder().Build();
        user.RecordFailedLogin(clock.GetUtcNow(), Policy);

        Assert.True(user.Unlock().IsSuccess);

        Assert.Equal(0, user.FailedLoginCount);
    }

    [Fact]
    public void Unlock_WithNothingToClear_IsRefused()
    {
        var user = new UserBuilder().Build();

        Assert.Equal("not_locked", user.Unlock().Error?.Code);
    }

    [Fact]
    public void ChangeRole_PromotesAndDemotes_AndMovesTheVersion()
    {
        var user = new UserBuilder().Build();
        var admin = new UserId(Guid.NewGuid());
        var version = user.Version;

        Assert.True(user.ChangeRole(UserRole.Admin, admin).IsSuccess);
        Assert.Equal(UserRole.Admin, user.Role);
        Assert.True(user.ChangeRole(UserRole.User, admin).IsSuccess);
        Assert.Equal(UserRole.User, user.Role);
        Assert.Equal(version + 2, user.Version);
    }

    [Fact]
    public void ChangeRole_ADemotionOnly_AsksForTheSecondLookAtSessions()
    {
        var user = new UserBuilder().Build();
        var admin = new UserId(Guid.NewGuid());

        Assert.True(user.ChangeRole(UserRole.Admin, admin).IsSuccess);
        Assert.Empty(user.TakeDomainEvents());
        Assert.True(user.ChangeRole(UserRole.User, admin).IsSuccess);

        var raised = Assert.IsType<UserDemoted>(Assert.Single(user.TakeDomainEvents()));
        Assert.Equal((user.Id, "role_changed"), (raised.UserId, raised.SessionEndReason));
    }

    [Fact]
    public void ChangeRole_ToTheRoleItHas_IsRefused()
    {
        var user = new UserBuilder().Build();

        Assert.Equal("role_unchanged", user.ChangeRole(UserRole.User, new UserId(Guid.NewGuid())).Error?.Code);
    }

    [Fact]
    public void ChangeRole_AnAdminDemotingThemself_IsRefused()
    {
        var user = new UserBuilder().Build();
        Assert.True(user.PromoteToAdmin().IsSuccess);
        var version = user.Version;

        var result = user.ChangeRole(UserRole.User, user.Id);

        Assert.Equal("cannot_demote_self", result.Error?.Code);
        Assert.Equal(UserRole.Admin, user.Role);
        Assert.Equal(version, user.Version);
    }

    [Fact]
    public void ChangeRole_ToAnUndefinedRole_Throws()
    {
        var user = new UserBuilder().Build();

        Assert.Throws<ArgumentOutOfRangeException>(() => user.ChangeRole((UserRole)7, new UserId(Guid.NewGuid())));
    }

    [Fact]
    public void RoleNames_SpellEveryRole()
    {
        Assert.Equal(["user", "admin"], Enum.GetValues<UserRole>().Select(RoleNames.Of));
    }
}
