using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Common.Behaviours;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace Aiprod.Application.Tests;

public sealed class ConflictRetryBehaviourTests
{
    private readonly List<(int Attempt, IServiceProvider Scope, ConflictAttempt State)> runs = [];
    private readonly ServiceProvider root;
    private int conflictsToThrow;

    public ConflictRetryBehaviourTests()
    {
        var services = new ServiceCollection();
        services.AddScoped<ConflictAttempt>();
        // The real mediator runs the whole pipeline again for a nested send; so does this one (this behaviour and
        // the handler), so a nested run that retried itself would show as extra runs.
        services.AddScoped(sp =>
        {
            var sender = Substitute.For<ISender>();
#pragma warning disable CA2012 // NSubstitute's set-up call: the ValueTask it returns is never consumed.
            sender.Send(Arg.Any<object>(), Arg.Any<CancellationToken>())
                .Returns(ci => SendThroughPipelineAsync(sp, ci.Arg<object>(), ci.Arg<CancellationToken>()));
#pragma warning restore CA2012
            return sender;
        });
        root = services.BuildServiceProvider();
    }

    [Fact]
    public async Task Handle_WhenTheCommitLosesARace_RunsTheCommandAgainOnFreshScopes()
    {
        conflictsToThrow = 2;
        await using var request = root.CreateAsyncScope();

        var answer = await HandleAsync(request.ServiceProvider, new Retried(3));

        Assert.Equal("done", answer);
        Assert.Equal([1, 2, 3], runs.Select(r => r.Attempt));
        Assert.Same(request.ServiceProvider, runs[0].Scope);
        Assert.Equal(3, runs.Select(r => r.Scope).Distinct().Count());
    }

    [Fact]
    public async Task Handle_WhenConflictsPersist_GivesUpAfterTheDeclaredBoundWithoutNestedRetries()
    {
        conflictsToThrow = int.MaxValue;
        await using var request = root.CreateAsyncScope();

        await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await HandleAsync(request.ServiceProvider, new Retried(4)));

        Assert.Equal(4, runs.Count);
    }

    [Fact]
    public async Task Handle_WhenConflictsPersistForACommandWithItsOwnAnswer_GivesThatAnswer()
    {
        conflictsToThrow = int.MaxValue;
        await using var request = root.CreateAsyncScope();

        var answer = await HandleAsync(request.ServiceProvider, new RetriedWithAnswer());

        Assert.Equal("given up", answer);
        Assert.Equal(3, runs.Count);
    }

    [Fact]
    public async Task Handle_ForACommandThatDoesNotDeclareTheRetry_LetsTheConflictThrough()
    {
        conflictsToThrow = 1;
        await using var request = root.CreateAsyncScope();

        await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await HandleAsync(request.ServiceProvider, new NotRetried()));

        Assert.Single(runs);
    }

    [Fact]
    public async Task Handle_CarriesWhatAnEarlierRunLeftForTheNextOne()
    {
        conflictsToThrow = 1;
        await using var request = root.CreateAsyncScope();
        request.ServiceProvider.GetRequiredService<ConflictAttempt>().Carried["hash"] = "checked once";

        await HandleAsync(request.ServiceProvider, new Retried(3));

        Assert.Equal("checked once", runs[1].State.Carried["hash"]);
    }

    private ValueTask<string> HandleAsync<TMessage>(IServiceProvider scope, TMessage message)
        where TMessage : IMessage =>
        new ConflictRetryBehaviour<TMessage, string>(scope.GetRequiredService<IServiceScopeFactory>(), scope.GetRequiredService<ConflictAttempt>())
            .Handle(message, (_, _) => Handler(scope), TestContext.Current.CancellationToken);

    private async ValueTask<object?> SendThroughPipelineAsync(IServiceProvider scope, object message, CancellationToken cancellationToken) =>
        message switch
        {
            Retried r => await HandleAsync(scope, r),
            RetriedWithAnswer r => await HandleAsync(scope, r),
            _ => throw new InvalidOperationException("not sent in these tests"),
        };

    private ValueTask<string> Handler(IServiceProvider scope)
    {
        var state = scope.GetRequiredService<ConflictAttempt>();
        runs.Add((state.Number, scope, state));
        if (conflictsToThrow-- > 0)
        {
            throw new ConcurrencyConflictException();
        }

        return ValueTask.FromResult("done");
    }

    private sealed record Retried(int Bound) : ICommand<string>, IRetryOnConflict
    {
        public int MaxAttempts => Bound;
    }

    private sealed record RetriedWithAnswer : ICommand<string>, IRetryOnConflict<string>
    {
        public string WhenConflictPersists() => "given up";
    }

    private sealed record NotRetried : ICommand<string>;
}
