using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts;
using Aiprod.Application.Accounts.Commands.ChangePassword;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Accounts;

public sealed class ChangePasswordCommandHandlerTests
{
    private const string Current = "correct horse battery";
    private const string Next = "a much longer passphrase";
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IPasswordHasher hasher = Substitute.For<IPasswordHasher>();
    private readonly IRefreshTokenRepository tokens = Substitute.For<IRefreshTokenRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly LockoutOptions lockout = new() { MaxFailedAttempts = 3, Duration = TimeSpan.FromMinutes(10) };
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly RefreshTokenFamily laptop;
    private readonly RefreshTokenFamily phone;

    public ChangePasswordCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        laptop = Given.ASession(ann, clock);
        phone = Given.ASession(ann, clock);
        users.FindByIdAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann);
        hasher.Verify("stored-hash", Current).Returns(PasswordCheck.Succeeded);
        hasher.Verify("stored-hash", Arg.Is<string>(p => p != Current)).Returns(PasswordCheck.Failed);
        hasher.Hash(Arg.Any<string>()).Returns(ci => "hash of " + ci.Arg<string>());
        tokens.ListActiveFamiliesAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns([laptop, phone]);
        users.RecordFailedLoginAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<LockoutPolicy>(), Arg.Any<CancellationToken>()).Returns(new FailedLoginRecorded(false, 1, null));
    }

    private ChangePasswordCommandHandler Handler(ConflictAttempt? attempt = null) =>
        new(users, hasher, tokens, new SessionRevoker(audit, clock), audit, Options.Create(lockout), attempt ?? new ConflictAttempt(), clock);

    private ValueTask<Result<Done>> ChangeAsync(string current = Current, string next = Next) =>
        Handler().Handle(new ChangePasswordCommand(ann.Id, current, next), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Handle_WithTheRightPassword_StoresTheNewHash_AndEndsEverySession()
    {
        ann.RecordFailedLogin(clock.GetUtcNow(), lockout.ToPolicy());
        clock.Advance(TimeSpan.FromMinutes(1));

        var result = await ChangeAsync();

        Assert.True(result.IsSuccess);
        Assert.Equal("hash of " + Next, ann.PasswordHash);
        Assert.Equal(clock.GetUtcNow(), ann.PasswordChangedAt);
        Assert.Equal(0, ann.FailedLoginCount);
        Assert.All([laptop, phone], f => Assert.Equal("password_changed", f.RevocationReason));
        Assert.Equal(new SessionRevoked(laptop.Id), Assert.Single(laptop.TakeDomainEvents()));
        Assert.Equal(new SessionRevoked(phone.Id), Assert.Single(phone.TakeDomainEvents()));
        var entries = audit.Entries();
        Assert.Equal([AuditEventTypes.PasswordChanged, AuditEventTypes.SessionRevoked, AuditEventTypes.SessionRevoked], entries.Select(e => e.EventType));
        Assert.Equal(ann.Id.ToString(), entries[0].Target);
        Assert.Equal([laptop.Id.ToString(), phone.Id.ToString()], entries.Skip(1).Select(e => e.Target));
        Assert.All(entries.Skip(1), e => Assert.Equal("password_changed", e.Details!["reason"]));
        await users.DidNotReceiveWithAnyArgs().RecordFailedLoginAsync(default, default, default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Handle_WithAWrongPassword_CountsAFailedLogin_AndChangesNothing()
    {
        var result = await ChangeAsync(current: "not the password");

        Assert.Equal((ErrorKind.Validation, "wrong_current_password"), (result.Error?.Kind, result.Error?.Code));
        Assert.Equal("stored-hash", ann.PasswordHash);
        await users.Received(1).RecordFailedLoginAsync(ann.Id, clock.GetUtcNow(), lockout.ToPolicy(), Arg.Any<CancellationToken>());
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.PasswordChangeFailed, AuditOutcome.Failure, ann.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal("wrong_current_password", entry.Details!["reason"]);
        Assert.False(laptop.IsRevoked);
        Assert.Empty(laptop.TakeDomainEvents());
    }

    [Fact]
    public async Task Handle_WithTheWrongPasswordThatLocksTheAccount_AuditsTheLockout()
    {
        var until = clock.GetUtcNow() + lockout.Duration;
        users.RecordFailedLoginAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<LockoutPolicy>(), Arg.Any<CancellationToken>()).Returns(new FailedLoginRecorded(true, 3, until));

        await ChangeAsync(current: "not the password");

        Assert.Equal([AuditEventTypes.PasswordChangeFailed, AuditEventTypes.UserLockedOut], audit.Entries().Select(e => e.EventType));
        var lockoutEntry = audit.Entries()[1];
        Assert.Equal((DateTimeOffset?)until, lockoutEntry.Details!["locked_until"]);
        Assert.Equal(3, lockoutEntry.Details["failed_attempts"]);
    }

    [Fact]
    public async Task Handle_WhileLockedOut_IsRefusedWithoutCheckingThePassword()
    {
        for (var i = 0; i < lockout.MaxFailedAttempts; i++)
        {
            ann.RecordFailedLogin(clock.GetUtcNow(), lockout.ToPolicy());
        }

        var result = await ChangeAsync();

        Assert.Equal((ErrorKind.Locked, "account_locked"), (result.Error?.Kind, result.Error?.Code));
        // A stolen access token must not become a password oracle while the account is locked.
        hasher.DidNotReceiveWithAnyArgs().Verify(default!, default!);
        Assert.Equal("stored-hash", ann.PasswordHash);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.PasswordChangeFailed, "locked_out"), (entry.EventType, entry.Details!["reason"]));
    }

    [Fact]
    public async Task Handle_AfterTheLockoutRanOut_AcceptsTheRightPassword()
    {
        for (var i = 0; i < lockout.MaxFailedAttempts; i++)
        {
            ann.RecordFailedLogin(clock.GetUtcNow(), lockout.ToPolicy());
        }

        clock.Advance(lockout.Duration);

        Assert.True((await ChangeAsync()).IsSuccess);
        Assert.Null(ann.LockoutEndsAt);
    }

    [Fact]
    public async Task Handle_ForANewPasswordHoldingTheEmail_IsRefused_WithoutCountingAFailure()
    {
        var result = await ChangeAsync(next: "my ANN@example.com password");

        Assert.Equal((ErrorKind.Validation, "password_contains_email"), (result.Error?.Kind, result.Error?.Code));
        Assert.Equal("stored-hash", ann.PasswordHash);
        await users.DidNotReceiveWithAnyArgs().RecordFailedLoginAsync(default, default, default!, TestContext.Current.CancellationToken);
        Assert.False(phone.IsRevoked);
    }

    [Fact]
    public async Task Handle_ForADisabledOrUnknownAccount_IsUnauthorized_AndChecksNoPassword()
    {
        ann.Disable(clock.GetUtcNow());
        var gone = Given.AUser(clock, "gone@example.com");

        var disabled = await ChangeAsync();
        var unknown = await Handler().Handle(new ChangePasswordCommand(gone.Id, Current, Next), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.Unauthorized, "unknown_subject"), (disabled.Error?.Kind, disabled.Error?.Code));
        Assert.Equal(disabled.Error, unknown.Error);
        hasher.DidNotReceiveWithAnyArgs().Verify(default!, default!);
        Assert.Equal("stored-hash", ann.PasswordHash);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_RunAgainAfterALostRace_HashesNeitherPasswordTwice()
    {
        // The lost run's change never reached the database: the next run reads the account as it is still stored.
        var asStillStored = Given.AUser(clock);
        users.FindByIdAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann, asStillStored);
        var command = new ChangePasswordCommand(ann.Id, Current, Next);

        var result = await LostRace.RunTwiceAsync(command, attempt => Handler(attempt).Handle(command, TestContext.Current.CancellationToken));

        Assert.True(result.IsSuccess);
        Assert.Equal("hash of " + Next, asStillStored.PasswordHash);
        // Neither slow hash depends on what the run read: a run again costs a read, not another PBKDF2 run.
        hasher.Received(1).Verify("stored-hash", Current);
        hasher.Received(1).Hash(Next);
    }
}
