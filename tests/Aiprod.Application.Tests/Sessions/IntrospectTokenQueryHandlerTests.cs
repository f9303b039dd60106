using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Application.Sessions.Queries.IntrospectToken;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Sessions;

/// <summary>RFC 7662: a token is described as active only to its owner or an admin, and only while it works.</summary>
public sealed class IntrospectTokenQueryHandlerTests
{
    private const string RefreshTokenText = "opaque-refresh-token";
    private const string AccessTokenText = "eyJ.access.token";
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IRefreshTokenGenerator generator = Substitute.For<IRefreshTokenGenerator>();
    private readonly IAccessTokenReader accessTokens = Substitute.For<IAccessTokenReader>();
    private readonly ISessionRevocations revocations = Substitute.For<ISessionRevocations>();
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly User bob;
    private readonly User ops;
    private readonly RefreshTokenFamily session;
    private readonly RefreshToken token;

    public IntrospectTokenQueryHandlerTests()
    {
        ann = Given.AUser(clock);
        bob = Given.AUser(clock, "bob@example.com");
        ops = Given.AnAdmin(clock);
        session = Given.ASession(ann, clock);
        token = Given.ATokenIn(session, "0123456789abcdef", clock);
        users.FindByIdAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann);
        generator.Hash(Arg.Any<string>()).Returns(ci => "hash of " + ci.Arg<string>());
        tokens.FindByHashAsync("hash of " + RefreshTokenText, Arg.Any<CancellationToken>()).Returns(token);
        accessTokens.ReadAsync(AccessTokenText).Returns(new AccessTokenClaimsDto(
            ann.Id, session.Id, "jti-1", "ann@example.com", "user", clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(15)));
    }

    private Task<IntrospectionResponse> IntrospectAsync(User caller, string token, string? hint = null) =>
        new IntrospectTokenQueryHandler(tokens, generator, accessTokens, revocations, users, clock)
            .Handle(new IntrospectTokenQuery(caller.Id, caller.Role == UserRole.Admin, token, hint), TestContext.Current.CancellationToken).AsTask();

    [Fact]
    public async Task ARefreshToken_IsDescribedToItsOwner()
    {
        var answer = await IntrospectAsync(ann, RefreshTokenText);

        Assert.True(answer.Active);
        Assert.Equal(("refresh_token", ann.Id.ToString(), "ann@example.com", session.Id.ToString()), (answer.TokenType, answer.Sub, answer.Username, answer.Sid));
        Assert.Equal(token.ExpiresAt.ToUnixTimeSeconds(), answer.Exp);
        Assert.Equal(token.CreatedAt.ToUnixTimeSeconds(), answer.Iat);
    }

    [Fact]
    public async Task AnAccessToken_IsDescribedToItsOwner()
    {
        var answer = await IntrospectAsync(ann, AccessTokenText, "access_token");

        Assert.True(answer.Active);
        Assert.Equal(("access_token", ann.Id.ToString(), session.Id.ToString(), "jti-1"), (answer.TokenType, answer.Sub, answer.Sid, answer.Jti));
        // The hint named it: the refresh-token store is never asked.
        generator.DidNotReceiveWithAnyArgs().Hash(default!);
    }

    [Fact]
    public async Task AnotherUsersTokens_AreInactive_ForANonAdmin()
    {
        Assert.Equal(IntrospectionResponse.Inactive, await IntrospectAsync(bob, RefreshTokenText));
        Assert.Equal(IntrospectionResponse.Inactive, await IntrospectAsync(bob, AccessTokenText));
    }

    [Fact]
    public async Task AnotherUsersTokens_AreDescribedToAnAdmin()
    {
        Assert.True((await IntrospectAsync(ops, RefreshTokenText)).Active);
        Assert.True((await IntrospectAsync(ops, AccessTokenText)).Active);
    }

    [Fact]
    public async Task ARefreshTokenAlreadyRedeemed_IsInactive()
    {
        _ = token.Redeem(clock.GetUtcNow(), TimeSpan.FromSeconds(30));

        Assert.False((await IntrospectAsync(ann, RefreshTokenText)).Active);
    }

    [Fact]
    public async Task ARefreshTokenPastItsLifetime_IsInactive()
    {
        clock.Advance(token.ExpiresAt - clock.GetUtcNow());

        Assert.False((await IntrospectAsync(ann, RefreshTokenText)).Active);
    }

    [Fact]
    public async Task TokensOfAnEndedSession_AreInactive()
    {
        _ = session.Revoke(clock.GetUtcNow(), "logout_all");
        revocations.IsRevoked(session.Id).Returns(true);

        Assert.False((await IntrospectAsync(ann, RefreshTokenText)).Active);
        Assert.False((await IntrospectAsync(ann, AccessTokenText)).Active);
    }

    [Theory]
    [InlineData("")]
    [InlineData("never-issued")]
    public async Task AnUnknownOrEmptyToken_IsInactive(string presented)
    {
        Assert.Equal(IntrospectionResponse.Inactive, await IntrospectAsync(ann, presented));
    }

    [Fact]
    public async Task AnOversizedToken_IsInactive_WithoutALookUp()
    {
        Assert.Equal(IntrospectionResponse.Inactive, await IntrospectAsync(ann, new string('a', 4097)));
        generator.DidNotReceiveWithAnyArgs().Hash(default!);
        await accessTokens.DidNotReceiveWithAnyArgs().ReadAsync(default!);
    }
}
