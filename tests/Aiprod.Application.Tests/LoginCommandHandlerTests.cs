using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts;
using Aiprod.Application.Accounts.Commands.Login;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests;

public sealed class LoginCommandHandlerTests
{
    private const string Password = "correct horse battery";
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IPasswordHasher hasher = Substitute.For<IPasswordHasher>();
    private readonly IAccessTokenIssuer tokens = Substitute.For<IAccessTokenIssuer>();
    private readonly IRefreshTokenRepository refreshTokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IRefreshTokenGenerator generator = Substitute.For<IRefreshTokenGenerator>();
    private readonly IRequestContext request = Substitute.For<IRequestContext>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly LockoutOptions lockout = new() { MaxFailedAttempts = 2, Duration = TimeSpan.FromMinutes(5) };
    private readonly User ann;

    public LoginCommandHandlerTests()
    {
        Email.TryCreate("ann@example.com", out var email);
        ann = User.Register(email, null, "stored-hash", clock.GetUtcNow());
        users.FindByEmailAsync(email, Arg.Any<CancellationToken>()).Returns(ann);
        hasher.Verify("stored-hash", Password).Returns(PasswordCheck.Succeeded);
        hasher.Verify("stored-hash", Arg.Is<string>(p => p != Password)).Returns(PasswordCheck.Failed);
        generator.Generate().Returns(new NewRefreshToken("refresh", "0123456789abcdef"));
        tokens.Issue(Arg.Any<User>(), Arg.Any<SessionId?>(), Arg.Any<DateTimeOffset?>()).Returns(ci =>
            new AccessToken("jwt", clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(15)));
    }

    private LoginCommandHandler Handler(ConflictAttempt? attempt = null) => new(
        users,
        hasher,
        refreshTokens,
        new TokenIssuance(refreshTokens, generator, tokens, Options.Create(new RefreshTokenOptions()), clock),
        audit,
        request,
        Options.Create(lockout),
        attempt ?? new ConflictAttempt(),
        clock);

    [Fact]
    public async Task Handle_WithTheRightPassword_IssuesATokenAndAuditsSuccess()
    {
        var result = await Handler().Handle(new LoginCommand("ANN@example.com", Password), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal("jwt", result.Value.AccessToken);
        Assert.Equal("Bearer", result.Value.TokenType);
        Assert.Equal(900, result.Value.ExpiresIn);
        Assert.Equal("refresh", result.Value.RefreshToken);
        Assert.Equal((int)TimeSpan.FromDays(7).TotalSeconds, result.Value.RefreshExpiresIn);
        refreshTokens.Received(1).Add(Arg.Is<RefreshTokenFamily>(f => f.UserId == ann.Id));
        refreshTokens.Received(1).Add(Arg.Is<RefreshToken>(t => t.TokenHash == "0123456789abcdef" && t.Generation == 0));
        audit.Received(1).Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.LoginSucceeded && e.Outcome == AuditOutcome.Success));
        audit.Received(1).Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.TokenIssued && (string)e.Details!["token_hash_prefix"]! == "01234567"));
    }

    [Fact]
    public async Task Handle_WithAnUnknownEmail_SpendsAHashAndAnswersLikeAWrongPassword()
    {
        var unknown = await Handler().Handle(new LoginCommand("nobody@example.com", Password), TestContext.Current.CancellationToken);
        var wrong = await Handler().Handle(new LoginCommand("ann@example.com", "wrong password!"), TestContext.Current.CancellationToken);

        hasher.Received(1).VerifyAgainstDecoy(Password);
        Assert.False(unknown.IsSuccess);
        Assert.Equal(wrong.Error, unknown.Error);
        tokens.DidNotReceiveWithAnyArgs().Issue(default!, default, default);
        audit.Received(1).Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.LoginFailed && e.Target == "nobody@example.com"));
    }

    [Fact]
    public async Task Handle_OnTheLastAllowedFailure_LocksAndAuditsTheLockout()
    {
        var until = clock.GetUtcNow() + lockout.Duration;
        users.RecordFailedLoginAsync(ann.Id, clock.GetUtcNow(), lockout.ToPolicy(), Arg.Any<CancellationToken>())
            .Returns(new FailedLoginRecorded(false, 1, null), new FailedLoginRecorded(true, 2, until));

        await Handler().Handle(new LoginCommand("ann@example.com", "wrong password 1"), TestContext.Current.CancellationToken);
        audit.DidNotReceive().Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.Lockout));

        await Handler().Handle(new LoginCommand("ann@example.com", "wrong password 2"), TestContext.Current.CancellationToken);

        await users.Received(2).RecordFailedLoginAsync(ann.Id, clock.GetUtcNow(), lockout.ToPolicy(), Arg.Any<CancellationToken>());
        audit.Received(1).Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.Lockout && e.ActorKind == ActorKind.System
            && (DateTimeOffset?)e.Details!["locked_until"] == until && (int)e.Details["failed_attempts"]! == 2));
    }

    [Fact]
    public async Task Handle_WhileLockedOut_RefusesEvenTheRightPassword()
    {
        ann.RecordFailedLogin(clock.GetUtcNow(), lockout.ToPolicy());
        ann.RecordFailedLogin(clock.GetUtcNow(), lockout.ToPolicy());

        var result = await Handler().Handle(new LoginCommand("ann@example.com", Password), TestContext.Current.CancellationToken);

        Assert.False(result.IsSuccess);
        Assert.Equal(LoginCommandHandler.InvalidCredentials, result.Error);
        // The hash is still computed, so a locked account answers in the same time as any other.
        hasher.Received(1).Verify("stored-hash", Password);
        tokens.DidNotReceiveWithAnyArgs().Issue(default!, default, default);
    }

    [Fact]
    public async Task Handle_AfterTheLockoutEnds_AcceptsTheRightPassword()
    {
        ann.RecordFailedLogin(clock.GetUtcNow(), lockout.ToPolicy());
        ann.RecordFailedLogin(clock.GetUtcNow(), lockout.ToPolicy());
        clock.Advance(lockout.Duration);

        var result = await Handler().Handle(new LoginCommand("ann@example.com", Password), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal(0, ann.FailedLoginCount);
    }

    [Fact]
    public async Task Handle_WhenTheHashNeedsUpgrading_StoresAFreshHash()
    {
        hasher.Verify("stored-hash", Password).Returns(PasswordCheck.SucceededRehashNeeded);
        hasher.Hash(Password).Returns("fresh-hash");

        var result = await Handler().Handle(new LoginCommand("ann@example.com", Password), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal("fresh-hash", ann.PasswordHash);
    }

    [Fact]
    public void WhenTheConflictPersists_TheAnswerIsInvalidCredentials()
    {
        // A 409 here would be an answer an unknown email never gets.
        var command = new LoginCommand("ann@example.com", "wrong password!");

        Assert.IsAssignableFrom<IRetryOnConflict<Result<TokenResponse>>>(command);
        Assert.Equal(LoginCommandHandler.InvalidCredentials, command.WhenConflictPersists().Error);
    }

    [Fact]
    public async Task Handle_ForADisabledUser_IsRefused()
    {
        ann.Disable(clock.GetUtcNow());

        var result = await Handler().Handle(new LoginCommand("ann@example.com", Password), TestContext.Current.CancellationToken);

        Assert.Equal(LoginCommandHandler.InvalidCredentials, result.Error);
    }

    [Fact]
    public async Task Handle_RunAgainAfterALostRace_DoesNotRehashThePassword()
    {
        hasher.Verify("stored-hash", Password).Returns(PasswordCheck.SucceededRehashNeeded);
        hasher.Hash(Password).Returns("fresh-hash");
        // The lost run's upgrade never reached the database: the next run reads the account as it is still stored.
        Email.TryCreate("ann@example.com", out var email);
        var asStillStored = User.Register(email, null, "stored-hash", clock.GetUtcNow());
        users.FindByEmailAsync(email, Arg.Any<CancellationToken>()).Returns(ann, asStillStored);
        var command = new LoginCommand("ann@example.com", Password);

        var result = await LostRace.RunTwiceAsync(command, attempt => Handler(attempt).Handle(command, TestContext.Current.CancellationToken));

        Assert.True(result.IsSuccess);
        Assert.Equal("fresh-hash", asStillStored.PasswordHash);
        hasher.Received(1).Verify("stored-hash", Password);
        hasher.Received(1).Hash(Password);
    }
}
