using Aiprod.Application.Abstractions;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Application.Common.Behaviours;

/// <summary>
/// The outermost behaviour: runs a <see cref="IRetryOnConflict"/> command again when its commit lost a race. The
/// first run uses the request's scope; each further run sends the same message again in a NEW scope, so its
/// DbContext tracks nothing of the lost run (the unit of work discarded it) and every read is fresh. The nested
/// send passes through this behaviour without retrying itself: the message being retried is remembered in an
/// <see cref="AsyncLocal{T}"/>, which flows into the nested pipeline only.
/// </summary>
public sealed class ConflictRetryBehaviour<TMessage, TResponse>(IServiceScopeFactory scopes, ConflictAttempt attempt)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    private static readonly AsyncLocal<object?> Retrying = new();

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IRetryOnConflict policy || ReferenceEquals(Retrying.Value, message))
        {
            return await next(message, cancellationToken);
        }

        var maxAttempts = Math.Max(1, policy.MaxAttempts);
        try
        {
            return await next(message, cancellationToken);
        }
        catch (ConcurrencyConflictException) when (maxAttempts > 1)
        {
            // Lost the first race; the loop below runs it again on fresh scopes.
        }

        for (var number = 2; ; number++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var fresh = scope.ServiceProvider.GetRequiredService<ConflictAttempt>();
                fresh.Number = number;
                fresh.Carried = attempt.Carried;
                Retrying.Value = message;
                return (TResponse)(await scope.ServiceProvider.GetRequiredService<ISender>().Send(message, cancellationToken))!;
            }
            catch (ConcurrencyConflictException) when (number < maxAttempts)
            {
                // Another writer committed first; the next run reads what it wrote and decides again.
            }
            catch (ConcurrencyConflictException) when (policy is IRetryOnConflict<TResponse> answer)
            {
                return answer.WhenConflictPersists();
            }
            finally
            {
                Retrying.Value = null;
            }
        }
    }
}
