using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Common.Behaviours;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace Aiprod.Application.Tests;

/// <summary>
/// Runs a handler the way the real retry behaviour does when the first commit of a command loses a race: once on
/// the request's scope (its commit then refused), then again on a fresh scope, whose <see cref="ConflictAttempt"/>
/// the behaviour numbers and fills with what the first run carried over.
/// </summary>
internal static class LostRace
{
    /// <summary>The second run's answer.</summary>
    public static async Task<TResponse> RunTwiceAsync<TMessage, TResponse>(TMessage message, Func<ConflictAttempt, ValueTask<TResponse>> handle)
        where TMessage : IMessage, IRetryOnConflict
    {
        var services = new ServiceCollection();
        services.AddScoped<ConflictAttempt>();
        services.AddScoped(sp =>
        {
            var sender = Substitute.For<ISender>();
#pragma warning disable CA2012 // NSubstitute's set-up call: the ValueTask it returns is never consumed.
            sender.Send(Arg.Any<object>(), Arg.Any<CancellationToken>()).Returns(_ => Boxed(handle(sp.GetRequiredService<ConflictAttempt>())));
#pragma warning restore CA2012
            return sender;
        });
        await using var root = services.BuildServiceProvider();
        await using var request = root.CreateAsyncScope();
        var first = request.ServiceProvider.GetRequiredService<ConflictAttempt>();
        var behaviour = new ConflictRetryBehaviour<TMessage, TResponse>(request.ServiceProvider.GetRequiredService<IServiceScopeFactory>(), first);
        var lost = false;
        var answer = await behaviour.Handle(message, async (_, _) =>
        {
            await handle(first);
            lost = true;
            throw new ConcurrencyConflictException();
        }, TestContext.Current.CancellationToken);

        Assert.True(lost, "the first run never reached its commit");
        return answer;
    }

    private static async ValueTask<object?> Boxed<T>(ValueTask<T> run) => await run;
}
