using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Application.Sessions.Commands.RefreshTokens;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests;

public sealed class RefreshTokensCommandHandlerTests
{
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IRefreshTokenGenerator generator = Substitute.For<IRefreshTokenGenerator>();
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IAccessTokenIssuer accessTokens = Substitute.For<IAccessTokenIssuer>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RefreshTokenOptions options = new();
    private readonly User user;
    private readonly RefreshTokenFamily family;
    private readonly RefreshToken token;

    public RefreshTokensCommandHandlerTests()
    {
        Email.TryCreate("ann@example.com", out var email);
        user = User.Register(email, null, "hash", clock.GetUtcNow());
        family = RefreshTokenFamily.Start(user.Id, clock.GetUtcNow(), options.ToPolicy(), null, null);
        token = family.Issue("presented-hash", null, clock.GetUtcNow(), options.ToPolicy()).Value!;
        generator.Hash("presented").Returns("presented-hash");
        generator.Generate().Returns(_ => new NewRefreshToken(Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N")));
        tokens.FindByHashAsync("presented-hash", Arg.Any<CancellationToken>()).Returns(token);
        users.FindByIdAsync(user.Id, Arg.Any<CancellationToken>()).Returns(user);
        accessTokens.Issue(user, family.Id, family.ExpiresAt).Returns(new AccessToken("jwt", clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(15)));
    }

    private RefreshTokensCommandHandler Handler() => new(
        tokens,
        generator,
        users,
        new TokenIssuance(tokens, generator, accessTokens, Options.Create(options), clock),
        new SessionRevoker(audit, clock),
        audit,
        Substitute.For<IRequestContext>(),
        clock);

    [Fact]
    public async Task Handle_FirstUse_RotatesToTheNextGeneration()
    {
        var result = await Handler().Handle(new RefreshTokensCommand("presented"), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.NotNull(token.RedeemedAt);
        tokens.Received(1).Add(Arg.Is<RefreshToken>(t => t.ParentId == token.Id && t.Generation == 1));
        audit.Received(1).Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.TokenRefreshed));
    }

    [Fact]
    public async Task Handle_ReuseAfterTheLeeway_RevokesTheFamilyAndRaisesItsRevocation()
    {
        token.Redeem(clock.GetUtcNow(), options.ReuseLeeway);
        clock.Advance(options.ReuseLeeway + TimeSpan.FromSeconds(1));

        var result = await Handler().Handle(new RefreshTokensCommand("presented"), TestContext.Current.CancellationToken);

        Assert.Equal(RefreshErrors.TokenReused, result.Error);
        Assert.True(family.IsRevoked);
        Assert.Equal("token_reuse", family.RevocationReason);
        audit.Received(1).Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.TokenReuseDetected && (string)e.Details!["token_hash_prefix"]! == "presente"));
        Assert.Equal(new SessionRevoked(family.Id), Assert.Single(family.TakeDomainEvents()));
        tokens.DidNotReceive().Add(Arg.Any<RefreshToken>());
    }

    [Fact]
    public async Task Handle_UnknownToken_IsOneAnswerForEverything()
    {
        var result = await Handler().Handle(new RefreshTokensCommand("never-issued"), TestContext.Current.CancellationToken);

        Assert.Equal(RefreshErrors.InvalidRefreshToken, result.Error);
    }

    [Fact]
    public async Task Handle_ForADisabledUser_IsRefused()
    {
        user.Disable(clock.GetUtcNow());

        var result = await Handler().Handle(new RefreshTokensCommand("presented"), TestContext.Current.CancellationToken);

        Assert.Equal(RefreshErrors.InvalidRefreshToken, result.Error);
        Assert.Null(token.RedeemedAt);
    }
}
