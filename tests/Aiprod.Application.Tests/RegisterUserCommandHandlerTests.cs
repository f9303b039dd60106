using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Commands.RegisterUser;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests;

public sealed class RegisterUserCommandHandlerTests
{
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IPasswordHasher hasher = Substitute.For<IPasswordHasher>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = new();

    private RegisterUserCommandHandler Handler() => new(users, hasher, audit, clock);

    [Fact]
    public async Task Handle_StoresTheHashNeverThePassword()
    {
        hasher.Hash("correct horse battery").Returns("hashed");
        User? added = null;
        users.Add(Arg.Do<User>(u => added = u));

        var result = await Handler().Handle(new RegisterUserCommand("Ann@Example.com", "correct horse battery", null), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal("ann@example.com", result.Value.Email);
        Assert.NotNull(added);
        Assert.Equal("hashed", added.PasswordHash);
        audit.Received(1).Record(Arg.Is<AuditEntry>(e => e.EventType == AuditEventTypes.UserRegistered));
    }

    [Fact]
    public async Task Handle_WhenTheEmailIsTaken_ReturnsConflictWithoutAddingTheUser()
    {
        users.EmailExistsAsync(Arg.Any<Email>(), Arg.Any<CancellationToken>()).Returns(true);

        var result = await Handler().Handle(new RegisterUserCommand("ann@example.com", "correct horse battery", null), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorKind.Conflict, result.Error?.Kind);
        users.DidNotReceiveWithAnyArgs().Add(default!);
    }

    [Fact]
    public void WhenTheUniqueIndexRefusesTheCommit_TheAnswerIsEmailTaken()
    {
        var command = new RegisterUserCommand("ann@example.com", "correct horse battery", null);

        Assert.IsAssignableFrom<IRefusedByUniqueIndex<Result<UserDto>>>(command);
        Assert.Equal("email_taken", command.WhenUniqueIndexRefuses().Error?.Code);
    }
}
