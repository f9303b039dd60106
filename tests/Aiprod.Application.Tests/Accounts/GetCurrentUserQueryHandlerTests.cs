using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Queries.GetCurrentUser;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Accounts;

public sealed class GetCurrentUserQueryHandlerTests
{
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;

    public GetCurrentUserQueryHandlerTests()
    {
        ann = Given.AUser(clock);
        users.FindByIdAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann);
    }

    [Fact]
    public async Task Handle_GivesTheAccount()
    {
        var me = await new GetCurrentUserQueryHandler(users).Handle(new GetCurrentUserQuery(ann.Id), TestContext.Current.CancellationToken);

        Assert.Equal((ann.Id, "ann@example.com", "ann"), (me.Value?.Id, me.Value?.Email, me.Value?.DisplayName));
    }

    [Fact]
    public async Task Handle_ForADisabledOrDeletedAccount_SaysTheTokensSubjectIsGone()
    {
        ann.Disable(clock.GetUtcNow());
        var deleted = Given.AUser(clock, "deleted@example.com");
        var handler = new GetCurrentUserQueryHandler(users);

        var disabled = await handler.Handle(new GetCurrentUserQuery(ann.Id), TestContext.Current.CancellationToken);
        var gone = await handler.Handle(new GetCurrentUserQuery(deleted.Id), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.Unauthorized, "unknown_subject"), (disabled.Error?.Kind, disabled.Error?.Code));
        Assert.Equal(disabled.Error, gone.Error);
    }
}
