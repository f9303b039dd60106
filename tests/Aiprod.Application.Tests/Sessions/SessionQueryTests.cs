using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Application.Sessions.Queries.GetTokenInfo;
using Aiprod.Application.Sessions.Queries.ListSessions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Sessions;

/// <summary>What a user reads of their sessions and of a refresh token they hold.</summary>
public sealed class SessionQueryTests
{
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IRefreshTokenGenerator generator = Substitute.For<IRefreshTokenGenerator>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly User bob;
    private readonly RefreshTokenFamily session;
    private readonly RefreshToken token;

    public SessionQueryTests()
    {
        ann = Given.AUser(clock);
        bob = Given.AUser(clock, "bob@example.com");
        session = Given.ASession(ann, clock);
        token = Given.ATokenIn(session, "0123456789abcdef", clock);
        generator.Hash(Arg.Any<string>()).Returns(ci => "hash of " + ci.Arg<string>());
        tokens.FindByHashAsync("hash of presented", Arg.Any<CancellationToken>()).Returns(token);
    }

    private GetTokenInfoQueryHandler TokenInfo() => new(tokens, generator, clock);

    [Fact]
    public async Task TokenInfo_OfTheCallersToken_SaysWhatItIsAndWhereItStandsNow()
    {
        var active = await TokenInfo().Handle(new GetTokenInfoQuery(ann.Id, "presented"), TestContext.Current.CancellationToken);
        _ = token.Redeem(clock.GetUtcNow(), TimeSpan.FromSeconds(30));
        var redeemed = await TokenInfo().Handle(new GetTokenInfoQuery(ann.Id, "presented"), TestContext.Current.CancellationToken);
        _ = session.Revoke(clock.GetUtcNow(), "logout_all");
        var revoked = await TokenInfo().Handle(new GetTokenInfoQuery(ann.Id, "presented"), TestContext.Current.CancellationToken);

        Assert.True(active.IsSuccess);
        Assert.Equal(session.Id, active.Value.SessionId);
        Assert.Equal((0, token.ExpiresAt, session.ExpiresAt), (active.Value.Generation, active.Value.ExpiresAt, active.Value.FamilyExpiresAt));
        Assert.Equal(
            [RefreshTokenStatus.Active, RefreshTokenStatus.Redeemed, RefreshTokenStatus.Revoked],
            new[] { active, redeemed, revoked }.Select(r => r.Value!.Status));
    }

    [Fact]
    public async Task TokenInfo_OfAnotherUsersToken_OrAnUnknownOne_IsNotFound()
    {
        var theirs = await TokenInfo().Handle(new GetTokenInfoQuery(bob.Id, "presented"), TestContext.Current.CancellationToken);
        var unknown = await TokenInfo().Handle(new GetTokenInfoQuery(ann.Id, "never-issued"), TestContext.Current.CancellationToken);

        Assert.Equal(RefreshErrors.NotFound, theirs.Error);
        Assert.Equal(RefreshErrors.NotFound, unknown.Error);
    }

    [Fact]
    public async Task ListSessions_MostRecentlyUsedFirst_MarkingTheCallersOwn()
    {
        var older = Given.ASession(ann, clock);
        clock.Advance(TimeSpan.FromMinutes(5));
        session.Touch(clock.GetUtcNow(), "198.51.100.4", null);
        tokens.ListActiveFamiliesAsync(ann.Id, clock.GetUtcNow(), Arg.Any<CancellationToken>()).Returns([older, session]);

        var listed = await new ListSessionsQueryHandler(tokens, clock).Handle(new ListSessionsQuery(ann.Id, older.Id), TestContext.Current.CancellationToken);

        Assert.Equal([session.Id, older.Id], listed.Select(s => s.SessionId));
        Assert.Equal([false, true], listed.Select(s => s.Current));
        Assert.Equal(("198.51.100.4", "curl/8"), (listed[0].ClientAddress, listed[0].UserAgent));
    }
}
