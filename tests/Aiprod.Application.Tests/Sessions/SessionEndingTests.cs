using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Application.Sessions.Commands.EndSession;
using Aiprod.Application.Sessions.Commands.EndRemainingSessions;
using Aiprod.Application.Sessions.Commands.LogoutAll;
using Aiprod.Application.Sessions.Commands.RevokeRefreshToken;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Sessions;

/// <summary>A user ends one session, all of them, or the one a refresh token belongs to; a disable's second look ends the rest.</summary>
public sealed class SessionEndingTests
{
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IRefreshTokenGenerator generator = Substitute.For<IRefreshTokenGenerator>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly User bob;
    private readonly RefreshTokenFamily laptop;
    private readonly RefreshTokenFamily phone;
    private readonly RefreshTokenFamily bobs;

    public SessionEndingTests()
    {
        ann = Given.AUser(clock);
        bob = Given.AUser(clock, "bob@example.com");
        laptop = Given.ASession(ann, clock);
        phone = Given.ASession(ann, clock);
        bobs = Given.ASession(bob, clock);
        foreach (var family in new[] { laptop, phone, bobs })
        {
            tokens.FindFamilyAsync(family.Id, Arg.Any<CancellationToken>()).Returns(family);
        }

        tokens.ListActiveFamiliesAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns([laptop, phone]);
    }

    private SessionRevoker Revoker() => new(audit, clock);

    [Fact]
    public async Task EndSession_OfTheCaller_EndsIt_AuditsIt_AndAnnouncesIt()
    {
        var result = await new EndSessionCommandHandler(tokens, Revoker()).Handle(new EndSessionCommand(ann.Id, laptop.Id), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal(("session_ended", (DateTimeOffset?)clock.GetUtcNow()), (laptop.RevocationReason, laptop.RevokedAt));
        Assert.Equal(new SessionRevoked(laptop.Id), Assert.Single(laptop.TakeDomainEvents()));
        Assert.False(phone.IsRevoked);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.SessionRevoked, AuditOutcome.Success, laptop.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal(laptop.Id, entry.Details!["family_id"]);
        Assert.Equal("session_ended", entry.Details["reason"]);
    }

    [Fact]
    public async Task EndSession_OfAnotherUser_IsNotFound_AndItGoesOn()
    {
        var result = await new EndSessionCommandHandler(tokens, Revoker()).Handle(new EndSessionCommand(ann.Id, bobs.Id), TestContext.Current.CancellationToken);

        Assert.Equal(RefreshErrors.SessionNotFound, result.Error);
        Assert.False(bobs.IsRevoked);
        Assert.Empty(bobs.TakeDomainEvents());
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task EndSession_ThatDoesNotExist_IsNotFound()
    {
        var neverStored = RefreshTokenFamily.Start(ann.Id, clock.GetUtcNow(), RefreshTokenPolicy.Default, null, null);

        var result = await new EndSessionCommandHandler(tokens, Revoker()).Handle(new EndSessionCommand(ann.Id, neverStored.Id), TestContext.Current.CancellationToken);

        Assert.Equal(RefreshErrors.SessionNotFound, result.Error);
    }

    [Fact]
    public async Task EndSession_AlreadyEnded_Succeeds_AndKeepsTheFirstEnd()
    {
        _ = laptop.Revoke(clock.GetUtcNow(), "logout_all");
        _ = laptop.TakeDomainEvents();
        clock.Advance(TimeSpan.FromMinutes(1));

        var result = await new EndSessionCommandHandler(tokens, Revoker()).Handle(new EndSessionCommand(ann.Id, laptop.Id), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal("logout_all", laptop.RevocationReason);
        Assert.Empty(laptop.TakeDomainEvents());
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task LogoutAll_EndsEveryActiveSessionOfTheCaller()
    {
        var result = await new LogoutAllCommandHandler(tokens, Revoker(), clock).Handle(new LogoutAllCommand(ann.Id), TestContext.Current.CancellationToken);

        Assert.Equal(2, result.RevokedCount);
        Assert.All([laptop, phone], f => Assert.Equal("logout_all", f.RevocationReason));
        Assert.Equal(new SessionRevoked(laptop.Id), Assert.Single(laptop.TakeDomainEvents()));
        Assert.Equal(new SessionRevoked(phone.Id), Assert.Single(phone.TakeDomainEvents()));
        Assert.Equal([AuditEventTypes.SessionRevoked, AuditEventTypes.SessionRevoked], audit.Entries().Select(e => e.EventType));
        Assert.False(bobs.IsRevoked);
    }

    [Fact]
    public async Task LogoutAll_WithNoSession_EndsNothing()
    {
        tokens.ListActiveFamiliesAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns([]);

        var result = await new LogoutAllCommandHandler(tokens, Revoker(), clock).Handle(new LogoutAllCommand(ann.Id), TestContext.Current.CancellationToken);

        Assert.Equal(0, result.RevokedCount);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task EndRemainingSessions_EndsWhatARacingLoginLeft_AndCountsOnlyWhatItEnded()
    {
        // The disable ended the laptop's session; a login that committed meanwhile left the phone's.
        _ = laptop.Revoke(clock.GetUtcNow(), "user_disabled");
        _ = laptop.TakeDomainEvents();

        var ended = await new EndRemainingSessionsCommandHandler(tokens, Revoker(), clock)
            .Handle(new EndRemainingSessionsCommand(ann.Id, "user_disabled"), TestContext.Current.CancellationToken);

        Assert.Equal(1, ended);
        Assert.Equal("user_disabled", phone.RevocationReason);
        Assert.Equal(new SessionRevoked(phone.Id), Assert.Single(phone.TakeDomainEvents()));
        Assert.Empty(laptop.TakeDomainEvents());
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.SessionRevoked, phone.Id.ToString(), "user_disabled"), (entry.EventType, entry.Target, entry.Details!["reason"]));
    }

    [Fact]
    public async Task RevokeRefreshToken_OfTheCaller_EndsItsSession_AuditingTheHashPrefixOnly()
    {
        var token = Given.ATokenIn(phone, "0123456789abcdef", clock);
        generator.Hash("presented").Returns(token.TokenHash);
        tokens.FindByHashAsync(token.TokenHash, Arg.Any<CancellationToken>()).Returns(token);

        var result = await new RevokeRefreshTokenCommandHandler(tokens, generator, Revoker())
            .Handle(new RevokeRefreshTokenCommand(ann.Id, "presented"), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal("user_revoked", phone.RevocationReason);
        Assert.Equal(new SessionRevoked(phone.Id), Assert.Single(phone.TakeDomainEvents()));
        Assert.False(laptop.IsRevoked);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.SessionRevoked, "01234567"), (entry.EventType, entry.Details!["token_hash_prefix"]));
        Assert.DoesNotContain(entry.Details.Values, v => v is "presented" or "0123456789abcdef");
    }

    [Fact]
    public async Task RevokeRefreshToken_OfAnotherUser_OrUnknown_IsNotFound_AndEndsNothing()
    {
        var bobsToken = Given.ATokenIn(bobs, "fedcba9876543210", clock);
        generator.Hash("bobs").Returns(bobsToken.TokenHash);
        generator.Hash("unknown").Returns("0000000000000000");
        tokens.FindByHashAsync(bobsToken.TokenHash, Arg.Any<CancellationToken>()).Returns(bobsToken);
        var handler = new RevokeRefreshTokenCommandHandler(tokens, generator, Revoker());

        var theirs = await handler.Handle(new RevokeRefreshTokenCommand(ann.Id, "bobs"), TestContext.Current.CancellationToken);
        var unknown = await handler.Handle(new RevokeRefreshTokenCommand(ann.Id, "unknown"), TestContext.Current.CancellationToken);

        Assert.Equal(RefreshErrors.NotFound, theirs.Error);
        Assert.Equal(RefreshErrors.NotFound, unknown.Error);
        Assert.False(bobs.IsRevoked);
        Assert.Empty(audit.Entries());
    }
}
