using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Common.Behaviours;
using Aiprod.Application.Sessions.Commands.EndRemainingSessions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace Aiprod.Application.Tests;

/// <summary>
/// After the commit, nothing undoes or repeats it: a conflict in a disable's follow-up is not the disable's lost race,
/// and a client gone after the handler returned stops neither the commit nor the follow-up.
/// </summary>
public sealed class CommitAfterDecisionTests
{
    private sealed record Disable : ICommand<Result<Done>>, IRetryOnConflict
    {
        public int MaxAttempts => 10;
    }

    private int handlerRuns;
    private int commits;
    private CancellationToken secondLookToken;
    private bool secondLookThrowsConflict;
    private CancellationTokenSource? cancelOnCommit;

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddScoped<ConflictAttempt>();
        services.AddScoped(_ =>
        {
            var uow = Substitute.For<IUnitOfWork>();
            uow.SaveChangesAsync(Arg.Any<CancellationToken>()).Returns(_ =>
            {
                commits++;
                cancelOnCommit?.Cancel(); // the client goes away during the commit
                return Task.FromResult<IReadOnlyList<IDomainEvent>>(commits == 1 ? [new UserDisabled(new UserId(Guid.NewGuid()))] : []);
            });
            return uow;
        });
        services.AddScoped(sp => new DomainEventPublisher(
            Substitute.For<IJobEventBus>(), Substitute.For<ISessionRevocations>(), Substitute.For<IApiKeyCache>(),
            sp.GetRequiredService<IServiceScopeFactory>(), NullLogger<DomainEventPublisher>.Instance));
        services.AddScoped(sp =>
        {
            var sender = Substitute.For<ISender>();
#pragma warning disable CA2012
            sender.Send(Arg.Any<object>(), Arg.Any<CancellationToken>()).Returns(ci => Route(sp, ci.Arg<object>(), ci.Arg<CancellationToken>()));
            sender.Send(Arg.Any<ICommand<int>>(), Arg.Any<CancellationToken>()).Returns(ci => SecondLook(ci.Arg<ICommand<int>>(), ci.Arg<CancellationToken>()));
#pragma warning restore CA2012
            return sender;
        });
        return services.BuildServiceProvider();
    }

    private async ValueTask<int> SecondLook(object message, CancellationToken ct) => (int)(await Route(null!, message, ct))!;

    private async ValueTask<object?> Route(IServiceProvider sp, object message, CancellationToken ct)
    {
        switch (message)
        {
            case EndRemainingSessionsCommand:
                secondLookToken = ct;
                ct.ThrowIfCancellationRequested();
                if (secondLookThrowsConflict)
                {
                    throw new ConcurrencyConflictException(); // what its own retry throws once its 10 attempts are spent
                }

                return 0;
            case Disable d:
                return await Pipeline(sp, d, ct);
            default:
                throw new InvalidOperationException();
        }
    }

    private ValueTask<Result<Done>> Pipeline(IServiceProvider sp, Disable message, CancellationToken ct)
    {
        var commit = new CommitBehaviour<Disable, Result<Done>>(sp.GetRequiredService<IUnitOfWork>(), sp.GetRequiredService<DomainEventPublisher>(), []);
        var retry = new ConflictRetryBehaviour<Disable, Result<Done>>(sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<ConflictAttempt>());
        return retry.Handle(message, (m, t) => commit.Handle(m, (_, _) =>
        {
            handlerRuns++;
            // The real handler: a second run finds the account already disabled.
            return ValueTask.FromResult<Result<Done>>(handlerRuns == 1 ? Done.Value : Error.Conflict("already_disabled", "The user is already disabled."));
        }, t), ct);
    }

    [Fact]
    public async Task AConflictInTheSecondLook_DoesNotReRunTheCommittedDisable()
    {
        secondLookThrowsConflict = true;
        await using var root = Build();
        await using var request = root.CreateAsyncScope();

        var result = await Pipeline(request.ServiceProvider, new Disable(), TestContext.Current.CancellationToken);

        Assert.Equal(1, handlerRuns);
        Assert.True(result.IsSuccess, result.Error?.Code);
    }

    [Fact]
    public async Task AClientGoneAfterTheCommit_StillGetsTheSecondLook()
    {
        cancelOnCommit = new CancellationTokenSource();
        await using var root = Build();
        await using var request = root.CreateAsyncScope();

        var result = await Pipeline(request.ServiceProvider, new Disable(), cancelOnCommit.Token);

        Assert.True(result.IsSuccess);
        Assert.Equal(1, commits);
        Assert.False(secondLookToken.IsCancellationRequested, "the second look ran on the request's cancelled token");
    }
}
