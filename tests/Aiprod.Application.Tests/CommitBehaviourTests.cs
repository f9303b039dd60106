using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Common.Behaviours;
using Aiprod.Application.Idempotency;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Aiprod.Application.Tests;

public sealed class CommitBehaviourTests
{
    private readonly IUnitOfWork unitOfWork = Substitute.For<IUnitOfWork>();
    private readonly IJobEventBus jobEvents = Substitute.For<IJobEventBus>();
    private readonly ISessionRevocations revocations = Substitute.For<ISessionRevocations>();
    private readonly IApiKeyCache keyCache = Substitute.For<IApiKeyCache>();
    private readonly List<string> order = [];

    public CommitBehaviourTests()
    {
        unitOfWork.SaveChangesAsync(Arg.Any<CancellationToken>()).Returns(_ =>
        {
            order.Add("commit");
            return Task.FromResult<IReadOnlyList<IDomainEvent>>([]);
        });
        revocations.PublishAsync(Arg.Any<IReadOnlyCollection<SessionId>>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            order.Add("publish");
            return Task.CompletedTask;
        });
    }

    private CommitBehaviour<Command, Result<Done>> Behaviour() => new(
        unitOfWork,
        new DomainEventPublisher(jobEvents, revocations, keyCache, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), NullLogger<DomainEventPublisher>.Instance),
        []);

    [Fact]
    public async Task Handle_CommitsOnceAfterTheHandlerThenPublishesWhatTheAggregatesRaised()
    {
        var family = new SessionId(Guid.NewGuid());
        unitOfWork.SaveChangesAsync(Arg.Any<CancellationToken>()).Returns(_ =>
        {
            order.Add("commit");
            return Task.FromResult<IReadOnlyList<IDomainEvent>>([new SessionRevoked(family), new ApiKeyInvalidated("hash"), new JobEventRecorded(AnEvent())]);
        });

        var result = await Behaviour().Handle(new Command(), (_, _) =>
        {
            order.Add("handler");
            return ValueTask.FromResult<Result<Done>>(Done.Value);
        }, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal(["handler", "commit", "publish"], order);
        await revocations.Received(1).PublishAsync(Arg.Is<IReadOnlyCollection<SessionId>>(ids => ids.Single() == family), Arg.Any<CancellationToken>());
        await keyCache.Received(1).InvalidateAsync(Arg.Is<IReadOnlyCollection<string>>(h => h.Single() == "hash"), Arg.Any<CancellationToken>());
        await jobEvents.Received(1).PublishAsync(Arg.Is<IReadOnlyList<JobEventDto>>(e => e.Single().EventId == 1), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_WhenTheHandlerRefuses_StillCommitsWhatItRecorded()
    {
        var result = await Behaviour().Handle(new Command(), (_, _) => ValueTask.FromResult<Result<Done>>(Error.Unauthorized("no", "no")), TestContext.Current.CancellationToken);

        Assert.False(result.IsSuccess);
        await unitOfWork.Received(1).SaveChangesAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_WhenTheHandlerThrows_CommitsNothing()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Behaviour().Handle(new Command(), (_, _) => throw new InvalidOperationException(), TestContext.Current.CancellationToken));

        await unitOfWork.DidNotReceiveWithAnyArgs().SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Handle_WhenTheCommitFails_PublishesNothing()
    {
        unitOfWork.SaveChangesAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new ConcurrencyConflictException());

        await Assert.ThrowsAsync<ConcurrencyConflictException>(async () =>
            await Behaviour().Handle(new Command(), (_, _) => ValueTask.FromResult<Result<Done>>(Done.Value), TestContext.Current.CancellationToken));

        await revocations.DidNotReceiveWithAnyArgs().PublishAsync(default!, TestContext.Current.CancellationToken);
        await jobEvents.DidNotReceiveWithAnyArgs().PublishAsync(default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Handle_WhenAnAnnouncementFails_TheRequestSucceedsAndTheOthersAreStillMade()
    {
        unitOfWork.SaveChangesAsync(Arg.Any<CancellationToken>()).Returns(Task.FromResult<IReadOnlyList<IDomainEvent>>(
            [new JobEventRecorded(AnEvent()), new SessionRevoked(new SessionId(Guid.NewGuid()))]));
        jobEvents.PublishAsync(Arg.Any<IReadOnlyList<JobEventDto>>(), Arg.Any<CancellationToken>()).ThrowsAsync(new IOException("bus down"));

        var result = await Behaviour().Handle(new Command(), (_, _) => ValueTask.FromResult<Result<Done>>(Done.Value), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        await revocations.ReceivedWithAnyArgs(1).PublishAsync(default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Handle_WhenAUniqueIndexRefusesACommandThatExpectsIt_GivesTheCommandsAnswer()
    {
        unitOfWork.SaveChangesAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new UniqueConstraintViolationException());

        var result = await Behaviour().Handle(new Command(), (_, _) => ValueTask.FromResult<Result<Done>>(Done.Value), TestContext.Current.CancellationToken);

        Assert.Equal("taken", result.Error?.Code);
    }

    /// <summary>
    /// A submit without an Idempotency-Key keeps no idempotency record, so no refusal of its commit is a key in flight:
    /// answering 409 idempotency_key_in_flight there would name a key the client never sent.
    /// </summary>
    [Fact]
    public async Task AUniqueIndexRefusingASubmitWithoutAKey_IsNotAnsweredAsAKeyInFlight()
    {
        unitOfWork.SaveChangesAsync(Arg.Any<CancellationToken>()).ThrowsAsync(new UniqueConstraintViolationException());
        var behaviour = new CommitBehaviour<SubmitJobCommand, Result<IdempotentAnswer<JobSubmittedDto>>>(
            unitOfWork,
            new DomainEventPublisher(jobEvents, revocations, keyCache, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), NullLogger<DomainEventPublisher>.Instance),
            []);
        var owner = new UserId(Guid.NewGuid());
        var answer = ValueTask.FromResult<Result<IdempotentAnswer<JobSubmittedDto>>>(new IdempotentAnswer<JobSubmittedDto>(null!, Replayed: false));

        var keyed = await behaviour.Handle(new SubmitJobCommand(owner, "content", null, null, null, null, "key-1"), (_, _) => answer, TestContext.Current.CancellationToken);
        Assert.Equal("idempotency_key_in_flight", keyed.Error?.Code);
        await Assert.ThrowsAsync<UniqueConstraintViolationException>(async () =>
            await behaviour.Handle(new SubmitJobCommand(owner, "content", null, null, null, null), (_, _) => answer, TestContext.Current.CancellationToken));
    }

    private static JobEvent AnEvent() =>
        PipelineJob.Submit(new UserId(Guid.NewGuid()), "content", JobPreset.QuickSocial, JobPriority.Normal, "en", 30, DateTimeOffset.UnixEpoch).Events.Single();

    [Fact]
    public async Task ACommandThatDecidesUnderTheWriteLock_BeginsTheWriteBeforeTheHandlerReads_AndClosesItWhenTheHandlerThrows()
    {
        unitOfWork.BeginWriteAsync(Arg.Any<CancellationToken>()).Returns(_ =>
        {
            order.Add("begin");
            return Task.CompletedTask;
        });
        unitOfWork.AbandonAsync().Returns(_ =>
        {
            order.Add("abandon");
            return Task.CompletedTask;
        });
        var behaviour = LockedBehaviour([]);

        await behaviour.Handle(new LockedCommand(), (_, _) =>
        {
            order.Add("handler");
            return ValueTask.FromResult<Result<Done>>(Done.Value);
        }, TestContext.Current.CancellationToken);
        Assert.Equal(["begin", "handler", "commit", "abandon"], order);

        order.Clear();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await behaviour.Handle(new LockedCommand(), (_, _) =>
        {
            order.Add("handler");
            throw new InvalidOperationException("the handler failed");
        }, TestContext.Current.CancellationToken));
        Assert.Equal(["begin", "handler", "abandon"], order);
    }

    [Fact]
    public async Task ALockedCommandWithNothingToDecide_RunsWithoutTheWriteLock()
    {
        var answer = await LockedBehaviour([new Precheck(false)]).Handle(new LockedCommand(), (_, _) => ValueTask.FromResult<Result<Done>>(Done.Value), TestContext.Current.CancellationToken);

        Assert.True(answer.IsSuccess);
        await unitOfWork.DidNotReceive().BeginWriteAsync(Arg.Any<CancellationToken>());
        await unitOfWork.Received(1).SaveChangesAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ALockedCommandWithSomethingToDecide_TakesTheWriteLockFirst()
    {
        await LockedBehaviour([new Precheck(true)]).Handle(new LockedCommand(), (_, _) => ValueTask.FromResult<Result<Done>>(Done.Value), TestContext.Current.CancellationToken);

        await unitOfWork.Received(1).BeginWriteAsync(Arg.Any<CancellationToken>());
    }

    private CommitBehaviour<LockedCommand, Result<Done>> LockedBehaviour(IEnumerable<IWriteLockPrecheck<LockedCommand>> prechecks) => new(
        unitOfWork,
        new DomainEventPublisher(jobEvents, revocations, keyCache, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), NullLogger<DomainEventPublisher>.Instance),
        prechecks);

    [Fact]
    public async Task AnyOtherCommand_ReadsBeforeAnyWriteBegins()
    {
        await Behaviour().Handle(new Command(), (_, _) => ValueTask.FromResult<Result<Done>>(Done.Value), TestContext.Current.CancellationToken);
        await unitOfWork.DidNotReceive().BeginWriteAsync(Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(typeof(Aiprod.Application.Jobs.Commands.ClaimJob.ClaimJobCommand))]
    [InlineData(typeof(Aiprod.Application.ApiKeys.Commands.CreateApiKey.CreateApiKeyCommand))]
    public void ClaimsAndKeyCreations_DecideUnderTheWriteLock(Type command) =>
        Assert.True(typeof(IDecidesUnderWriteLock).IsAssignableFrom(command));

    private sealed record LockedCommand : ICommand<Result<Done>>, IDecidesUnderWriteLock;

    private sealed class Precheck(bool worth) : IWriteLockPrecheck<LockedCommand>
    {
        public ValueTask<bool> IsWorthLockingAsync(LockedCommand message, CancellationToken cancellationToken) => ValueTask.FromResult(worth);
    }

    private sealed record Command : ICommand<Result<Done>>, IRefusedByUniqueIndex<Result<Done>>
    {
        public Result<Done> WhenUniqueIndexRefuses() => Error.Conflict("taken", "taken");
    }
}
