using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Commands.DisableUser;
using Aiprod.Application.Sessions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Accounts;

public sealed class DisableUserCommandHandlerTests
{
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IApiKeyRepository apiKeys = Substitute.For<IApiKeyRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly User ops;
    private readonly ApiKey active;
    private readonly ApiKey inGrace;
    private readonly ApiKey revoked;
    private readonly RefreshTokenFamily session;

    public DisableUserCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        ops = Given.AnAdmin(clock);
        users.FindByIdAsync(ops.Id, Arg.Any<CancellationToken>()).Returns(ops);
        active = Given.AKey(ann, clock);
        inGrace = Given.ARotatedKey(ann, clock, TimeSpan.FromHours(1));
        revoked = Given.ARevokedKey(ann, clock);
        session = Given.ASession(ann, clock);
        users.FindByIdAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann);
        // The revoked key stands for one revoked after the list was read: the rule leaves it as it was.
        apiKeys.ListUsableOwnedAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns([active, inGrace, revoked]);
        tokens.ListActiveFamiliesAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns([session]);
    }

    private DisableUserCommandHandler Handler() => new(users, tokens, apiKeys, new SessionRevoker(audit, clock), audit, clock);

    [Fact]
    public async Task Handle_DisablesTheAccount_RevokesItsWorkingKeys_AndEndsItsSessions()
    {
        var revokedAt = revoked.RevokedAt;
        clock.Advance(TimeSpan.FromMinutes(5));

        var result = await Handler().Handle(new DisableUserCommand(ops.Id, ann.Id, "support ticket 42"), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal(clock.GetUtcNow(), ann.DisabledAt);
        Assert.Equal(new UserDisabled(ann.Id), Assert.Single(ann.TakeDomainEvents()));
        Assert.All([active, inGrace], k => Assert.Equal((ApiKeyStatus.Revoked, "user_disabled"), (k.Status, k.RevocationReason)));
        Assert.Equal(new ApiKeyInvalidated(active.KeyHash), Assert.Single(active.TakeDomainEvents()));
        Assert.Equal(new ApiKeyInvalidated(inGrace.KeyHash), Assert.Single(inGrace.TakeDomainEvents()));
        Assert.Equal(("leaked", revokedAt), (revoked.RevocationReason, revoked.RevokedAt));
        Assert.Empty(revoked.TakeDomainEvents());
        Assert.Equal("user_disabled", session.RevocationReason);
        Assert.Equal(new SessionRevoked(session.Id), Assert.Single(session.TakeDomainEvents()));

        var entries = audit.Entries();
        Assert.Equal([AuditEventTypes.UserDisabled, AuditEventTypes.SessionRevoked], entries.Select(e => e.EventType));
        Assert.Equal((AuditOutcome.Success, ann.Id.ToString()), (entries[0].Outcome, entries[0].Target));
        Assert.Equal([active.Id, inGrace.Id], Recorded.Items(entries[0].Details!["revoked_api_keys"]));
        Assert.Equal((session.Id.ToString(), "user_disabled"), (entries[1].Target, entries[1].Details!["reason"]));
    }

    [Fact]
    public async Task Handle_AnAccountAlreadyDisabled_IsAConflict_AndTouchesNothingElse()
    {
        ann.Disable(clock.GetUtcNow());
        _ = ann.TakeDomainEvents();

        var result = await Handler().Handle(new DisableUserCommand(ops.Id, ann.Id, "support ticket 42"), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.Conflict, "already_disabled"), (result.Error?.Kind, result.Error?.Code));
        Assert.Empty(ann.TakeDomainEvents());
        Assert.Equal(ApiKeyStatus.Active, active.Status);
        Assert.False(session.IsRevoked);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_AnUnknownAccount_IsNotFound()
    {
        var stranger = Given.AUser(clock, "stranger@example.com");

        var result = await Handler().Handle(new DisableUserCommand(ops.Id, stranger.Id, "support ticket 42"), TestContext.Current.CancellationToken);

        Assert.Equal(UserErrors.NotFound, result.Error);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_AnAdminDisablingThemself_IsAConflict()
    {
        var result = await Handler().Handle(new DisableUserCommand(ops.Id, ops.Id, "leaving"), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.Conflict, "cannot_disable_self"), (result.Error?.Kind, result.Error?.Code));
        Assert.False(ops.IsDisabled);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_AnActorNoLongerAdmin_IsForbidden_AndTheActorsVersionGoesIntoTheCommit()
    {
        var bea = Given.AUser(clock, "bea@example.com");
        users.FindByIdAsync(bea.Id, Arg.Any<CancellationToken>()).Returns(bea);

        var refused = await Handler().Handle(new DisableUserCommand(bea.Id, ann.Id, "r"), TestContext.Current.CancellationToken);
        Assert.Equal((ErrorKind.Forbidden, "not_an_admin"), (refused.Error?.Kind, refused.Error?.Code));
        Assert.False(ann.IsDisabled);

        var done = await Handler().Handle(new DisableUserCommand(ops.Id, ann.Id, "r"), TestContext.Current.CancellationToken);
        Assert.True(done.IsSuccess);
        users.Received(1).RequireUnchangedSinceRead(ops);
    }
}
