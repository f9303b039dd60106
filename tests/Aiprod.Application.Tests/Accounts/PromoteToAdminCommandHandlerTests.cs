using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Commands.PromoteToAdmin;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Accounts;

public sealed class PromoteToAdminCommandHandlerTests
{
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;

    public PromoteToAdminCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        users.FindByEmailAsync(ann.Email, Arg.Any<CancellationToken>()).Returns(ann);
    }

    private PromoteToAdminCommandHandler Handler() => new(users, audit);

    [Fact]
    public async Task Handle_MakesTheUserAnAdmin_AndAuditsItAsTheSystem()
    {
        var result = await Handler().Handle(new PromoteToAdminCommand(" Ann@Example.com "), TestContext.Current.CancellationToken);

        Assert.Equal((ann.Id, UserRole.Admin), (result.Value?.Id, result.Value?.Role));
        Assert.Equal(UserRole.Admin, ann.Role);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.UserPromotedToAdmin, ann.Id.ToString(), (ActorKind?)ActorKind.System), (entry.EventType, entry.Target, entry.ActorKind));
    }

    [Fact]
    public async Task Handle_AnAdminAlready_IsAConflict_AndAuditsNothing()
    {
        _ = ann.PromoteToAdmin();

        var result = await Handler().Handle(new PromoteToAdminCommand("ann@example.com"), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.Conflict, "already_admin"), (result.Error?.Kind, result.Error?.Code));
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_AnUnknownEmail_IsNotFound()
    {
        var result = await Handler().Handle(new PromoteToAdminCommand("nobody@example.com"), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.NotFound, "user_not_found"), (result.Error?.Kind, result.Error?.Code));
        Assert.Contains("nobody@example.com", result.Error?.Message, StringComparison.Ordinal);
        Assert.Empty(audit.Entries());
    }
}
