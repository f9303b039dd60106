using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Application.Sessions.Commands.RevokeToken;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Sessions;

/// <summary>RFC 7009: whoever holds a token may end its session, whichever kind of token it is; an unknown token is no error.</summary>
public sealed class RevokeTokenCommandHandlerTests
{
    private const string RefreshTokenText = "opaque-refresh-token";
    private const string AccessTokenText = "eyJ.access.token";
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IRefreshTokenGenerator generator = Substitute.For<IRefreshTokenGenerator>();
    private readonly IAccessTokenReader accessTokens = Substitute.For<IAccessTokenReader>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly RefreshTokenFamily ofTheRefreshToken;
    private readonly RefreshTokenFamily ofTheAccessToken;

    public RevokeTokenCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        ofTheRefreshToken = Given.ASession(ann, clock);
        ofTheAccessToken = Given.ASession(ann, clock);
        var token = Given.ATokenIn(ofTheRefreshToken, "0123456789abcdef", clock);
        generator.Hash(Arg.Any<string>()).Returns(ci => "hash of " + ci.Arg<string>());
        tokens.FindByHashAsync("hash of " + RefreshTokenText, Arg.Any<CancellationToken>()).Returns(token);
        tokens.FindFamilyAsync(ofTheAccessToken.Id, Arg.Any<CancellationToken>()).Returns(ofTheAccessToken);
        accessTokens.ReadAsync(AccessTokenText).Returns(ClaimsOf(ofTheAccessToken));
    }

    private AccessTokenClaimsDto ClaimsOf(RefreshTokenFamily? session) =>
        new(ann.Id, session?.Id, "jti-1", "ann@example.com", "user", clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(15));

    private Task<Done> RevokeAsync(string token, string? hint = null) =>
        new RevokeTokenCommandHandler(tokens, generator, accessTokens, new SessionRevoker(audit, clock))
            .Handle(new RevokeTokenCommand(token, hint), TestContext.Current.CancellationToken).AsTask();

    [Fact]
    public async Task ARefreshToken_EndsItsSession_AndTheAuditSaysWhichKind()
    {
        await RevokeAsync(RefreshTokenText);

        Assert.Equal("oauth_revocation", ofTheRefreshToken.RevocationReason);
        Assert.Equal(new SessionRevoked(ofTheRefreshToken.Id), Assert.Single(ofTheRefreshToken.TakeDomainEvents()));
        Assert.False(ofTheAccessToken.IsRevoked);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.SessionRevoked, ofTheRefreshToken.Id.ToString()), (entry.EventType, entry.Target));
        Assert.Equal("refresh_token", entry.Details!["token_type"]);
        Assert.Equal("01234567", entry.Details["token_hash_prefix"]);
        // Found as a refresh token: the access-token reader is never asked.
        await accessTokens.DidNotReceiveWithAnyArgs().ReadAsync(default!);
    }

    [Fact]
    public async Task AnAccessToken_EndsTheSessionItCarries()
    {
        await RevokeAsync(AccessTokenText);

        Assert.Equal("oauth_revocation", ofTheAccessToken.RevocationReason);
        Assert.Equal(new SessionRevoked(ofTheAccessToken.Id), Assert.Single(ofTheAccessToken.TakeDomainEvents()));
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((ofTheAccessToken.Id.ToString(), "access_token"), (entry.Target, entry.Details!["token_type"]));
    }

    [Fact]
    public async Task TheAccessTokenHint_IsLookedUpFirst()
    {
        await RevokeAsync(AccessTokenText, "access_token");

        Assert.True(ofTheAccessToken.IsRevoked);
        generator.DidNotReceiveWithAnyArgs().Hash(default!);
    }

    [Fact]
    public async Task AWrongHint_StillFindsTheToken()
    {
        await RevokeAsync(RefreshTokenText, "access_token");

        Assert.True(ofTheRefreshToken.IsRevoked);
        await accessTokens.Received(1).ReadAsync(RefreshTokenText);
    }

    [Fact]
    public async Task AnAccessTokenWithoutASession_EndsNothing()
    {
        accessTokens.ReadAsync("sessionless").Returns(ClaimsOf(null));

        await RevokeAsync("sessionless", "access_token");

        Assert.False(ofTheAccessToken.IsRevoked);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task AnUnknownToken_IsAnsweredTheSame_AndEndsNothing()
    {
        await RevokeAsync("never-issued");

        Assert.False(ofTheRefreshToken.IsRevoked);
        Assert.False(ofTheAccessToken.IsRevoked);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task ATokenOfASessionAlreadyEnded_ChangesNothing()
    {
        _ = ofTheRefreshToken.Revoke(clock.GetUtcNow(), "logout_all");
        _ = ofTheRefreshToken.TakeDomainEvents();

        await RevokeAsync(RefreshTokenText);

        Assert.Equal("logout_all", ofTheRefreshToken.RevocationReason);
        Assert.Empty(ofTheRefreshToken.TakeDomainEvents());
        Assert.Empty(audit.Entries());
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public async Task AnEmptyOrOversizedToken_IsNotLookedUp(string? blank)
    {
        await RevokeAsync(blank!);
        await RevokeAsync(new string('a', 4097));

        generator.DidNotReceiveWithAnyArgs().Hash(default!);
        await accessTokens.DidNotReceiveWithAnyArgs().ReadAsync(default!);
    }
}
