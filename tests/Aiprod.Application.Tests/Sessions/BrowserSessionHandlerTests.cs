using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Application.Sessions.Commands.Logout;
using Aiprod.Application.Sessions.Queries.FindRefreshSession;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Sessions;

/// <summary>Logout by refresh token, and the session a browser-mode cookie names.</summary>
public sealed class BrowserSessionHandlerTests
{
    private const string TokenText = "opaque-refresh-token";
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IRefreshTokenGenerator generator = Substitute.For<IRefreshTokenGenerator>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly RefreshTokenFamily session;

    public BrowserSessionHandlerTests()
    {
        ann = Given.AUser(clock);
        session = Given.ASession(ann, clock);
        var token = Given.ATokenIn(session, "0123456789abcdef", clock);
        generator.Hash(Arg.Any<string>()).Returns(ci => "hash of " + ci.Arg<string>());
        tokens.FindByHashAsync("hash of " + TokenText, Arg.Any<CancellationToken>()).Returns(token);
    }

    private Task<Aiprod.Domain.Common.Done> LogoutAsync(string token) =>
        new LogoutCommandHandler(tokens, generator, new SessionRevoker(audit, clock))
            .Handle(new LogoutCommand(token), TestContext.Current.CancellationToken).AsTask();

    private Task<RefreshSession?> FindAsync(string? token) =>
        new FindRefreshSessionQueryHandler(tokens, generator, clock)
            .Handle(new FindRefreshSessionQuery(token), TestContext.Current.CancellationToken).AsTask();

    [Fact]
    public async Task Logout_EndsTheTokensSession_AndAuditsIt()
    {
        await LogoutAsync(TokenText);

        Assert.Equal("logout", session.RevocationReason);
        Assert.Equal(new SessionRevoked(session.Id), Assert.Single(session.TakeDomainEvents()));
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.SessionRevoked, session.Id.ToString()), (entry.EventType, entry.Target));
        Assert.Equal("01234567", entry.Details!["token_hash_prefix"]);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("")]
    public async Task Logout_WithAnUnknownOrEmptyToken_DoesNothing(string token)
    {
        await LogoutAsync(token);

        Assert.False(session.IsRevoked);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Logout_WithATooLongToken_IsNotLookedUp()
    {
        await LogoutAsync(new string('x', 513));
        generator.DidNotReceiveWithAnyArgs().Hash(default!);
    }

    [Fact]
    public async Task FindSession_NamesTheLiveSession()
    {
        Assert.Equal(new RefreshSession(session.Id, ann.Id), await FindAsync(TokenText));
    }

    [Fact]
    public async Task FindSession_OfAnEndedOrExpiredSession_OrAnUnknownToken_IsNull()
    {
        Assert.Null(await FindAsync("unknown"));
        Assert.Null(await FindAsync(null));
        Assert.Null(await FindAsync(new string('x', 513)));

        clock.Advance(session.ExpiresAt - clock.GetUtcNow());
        Assert.Null(await FindAsync(TokenText));
    }

    [Fact]
    public async Task FindSession_OfARevokedSession_IsNull()
    {
        session.Revoke(clock.GetUtcNow(), "logout");
        Assert.Null(await FindAsync(TokenText));
    }
}
