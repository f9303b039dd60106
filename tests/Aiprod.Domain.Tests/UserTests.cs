using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Domain.Tests;

public sealed class UserTests
{
    private static readonly LockoutPolicy Policy = new(3, TimeSpan.FromMinutes(10));
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Register_StartsAsUserWithDisplayNameFromEmail()
    {
        var user = new UserBuilder().WithEmail("carol@example.com").Build();

        Assert.Equal(UserRole.User, user.Role);
        Assert.Equal("carol", user.DisplayName);
        Assert.NotEqual(Guid.Empty, user.Id.Value);
        Assert.False(user.IsDisabled);
    }

    [Fact]
    public void Register_TrimsTheGivenDisplayName()
    {
        var user = new UserBuilder().WithDisplayName("  Carol C.  ").Build();
        Assert.Equal("Carol C.", user.DisplayName);
    }

    [Fact]
    public void RecordFailedLogin_LocksOnTheConfiguredAttempt()
    {
        var user = new UserBuilder().Build();
        var now = clock.GetUtcNow();

        Assert.False(user.RecordFailedLogin(now, Policy));
        Assert.False(user.RecordFailedLogin(now, Policy));
        Assert.False(user.IsLockedOut(now));
        Assert.True(user.RecordFailedLogin(now, Policy));

        Assert.True(user.IsLockedOut(now));
        Assert.Equal(now + Policy.Duration, user.LockoutEndsAt);
    }

    [Fact]
    public void IsLockedOut_EndsWhenTheDurationHasPassed()
    {
        var user = new UserBuilder().Build();
        for (var i = 0; i < Policy.MaxFailedAttempts; i++)
        {
            user.RecordFailedLogin(clock.GetUtcNow(), Policy);
        }

        clock.Advance(Policy.Duration - TimeSpan.FromSeconds(1));
        Assert.True(user.IsLockedOut(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(user.IsLockedOut(clock.GetUtcNow()));
    }

    [Fact]
    public void RecordFailedLogin_AfterAnExpiredLockout_StartsAFreshCount()
    {
        var user = new UserBuilder().Build();
        for (var i = 0; i < Policy.MaxFailedAttempts; i++)
        {
            user.RecordFailedLogin(clock.GetUtcNow(), Policy);
        }

        clock.Advance(Policy.Duration);
        Assert.False(user.RecordFailedLogin(clock.GetUtcNow(), Policy));
        Assert.Equal(1, user.FailedLoginCount);
        Assert.False(user.IsLockedOut(clock.GetUtcNow()));
    }

    [Fact]
    public void RecordSuccessfulLogin_ResetsTheFailureCount()
    {
        var user = new UserBuilder().Build();
        user.RecordFailedLogin(clock.GetUtcNow(), Policy);
        user.RecordFailedLogin(clock.GetUtcNow(), Policy);

        user.RecordSuccessfulLogin(clock.GetUtcNow());

        Assert.Equal(0, user.FailedLoginCount);
        Assert.Equal(clock.GetUtcNow(), user.LastLoginAt);
        Assert.False(user.RecordFailedLogin(clock.GetUtcNow(), Policy));
    }

    [Fact]
    public void PromoteToAdmin_Twice_IsRefused()
    {
        var user = new UserBuilder().Build();

        Assert.True(user.PromoteToAdmin().IsSuccess);
        var again = user.PromoteToAdmin();

        Assert.False(again.IsSuccess);
        Assert.Equal(ErrorKind.Conflict, again.Error.Kind);
        Assert.Equal(UserRole.Admin, user.Role);
    }

    [Fact]
    public void Disable_Twice_IsRefused()
    {
        var user = new UserBuilder().Build();

        Assert.True(user.Disable(clock.GetUtcNow()).IsSuccess);
        Assert.True(user.IsDisabled);
        Assert.False(user.Disable(clock.GetUtcNow()).IsSuccess);
    }

    [Fact]
    public void ChangePassword_RecordsWhen()
    {
        var user = new UserBuilder().Build();
        clock.Advance(TimeSpan.FromDays(2));

        user.ChangePassword("new-hash", clock.GetUtcNow());

        Assert.Equal("new-hash", user.PasswordHash);
        Assert.Equal(clock.GetUtcNow(), user.PasswordChangedAt);
    }

    [Fact]
    public void Register_WithoutADisplayName_CutsALongLocalPartToTheDisplayNamesLength()
    {
        var user = new UserBuilder().WithEmail(new string('a', 120) + "@example.com").Build();

        Assert.Equal(new string('a', User.DisplayNameMaxLength), user.DisplayName);
    }

    [Fact]
    public void Register_WithoutADisplayName_NeverCutsASurrogatePairInTwo()
    {
        var local = new string('a', User.DisplayNameMaxLength - 1) + "\U0001F600" + "b";

        var user = new UserBuilder().WithEmail(local + "@example.com").Build();

        Assert.Equal(new string('a', User.DisplayNameMaxLength - 1), user.DisplayName);
    }

    [Fact]
    public void EveryChange_MovesTheVersion()
    {
        var user = new UserBuilder().Build();
        var versions = new List<int> { user.Version };
        void Step(Action change)
        {
            change();
            versions.Add(user.Version);
        }

        Step(() => user.RecordFailedLogin(clock.GetUtcNow(), Policy));
        Step(() => user.RecordSuccessfulLogin(clock.GetUtcNow()));
        Step(() => user.RecordApiKeyIssued());
        Step(() => user.UpgradePasswordHash("rehashed"));
        Step(() => user.ChangePassword("new-hash", clock.GetUtcNow()));
        Step(() => user.PromoteToAdmin());
        Step(() => user.Disable(clock.GetUtcNow()));

        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    [Fact]
    public void RecordSuccessfulLogin_WithNothingToReset_LeavesTheVersion_SoParallelLoginsDoNotConflict()
    {
        var user = new UserBuilder().Build();
        var version = user.Version;

        user.RecordSuccessfulLogin(clock.GetUtcNow());

        Assert.Equal(version, user.Version);
        Assert.Equal(clock.GetUtcNow(), user.LastLoginAt);
    }

    [Fact]
    public void RecordApiKeyIssued_ForADisabledAccount_IsRefusedAndChangesNothing()
    {
        var user = new UserBuilder().Build();
        user.Disable(clock.GetUtcNow());
        var version = user.Version;

        var issued = user.RecordApiKeyIssued();

        Assert.False(issued.IsSuccess);
        Assert.Equal(UserErrors.Disabled, issued.Error);
        Assert.Equal(version, user.Version);
    }
}
