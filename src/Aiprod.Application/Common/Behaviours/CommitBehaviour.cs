using Aiprod.Application.Abstractions;
using Mediator;

namespace Aiprod.Application.Common.Behaviours;

/// <summary>
/// The one place that commits. The handler changes aggregates and returns; this saves the unit of work once, then
/// publishes what the aggregates raised, only after the commit succeeded. A failed <c>Result</c> is committed too:
/// what the handler recorded on its way to the refusal (a failed-login audit, a lockout counter) must stay. An
/// exception commits nothing. It runs for queries as well: most track nothing and commit nothing, but reading an
/// owner's keys records an audit event.
/// </summary>
public sealed class CommitBehaviour<TMessage, TResponse>(IUnitOfWork unitOfWork, DomainEventPublisher publisher)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        TResponse response;
        IReadOnlyList<Domain.Common.IDomainEvent> raised;
        if (message is IDecidesUnderWriteLock)
        {
            await unitOfWork.BeginWriteAsync(cancellationToken);
        }

        try
        {
            response = await next(message, cancellationToken);
            raised = await unitOfWork.SaveChangesAsync(cancellationToken);
        }
        catch (UniqueConstraintViolationException) when (message is IRefusedByUniqueIndex<TResponse> refused)
        {
            return refused.WhenUniqueIndexRefuses();
        }
        finally
        {
            // A handler that threw leaves a begun write open: closed here, before a retry runs in a new scope.
            await unitOfWork.AbandonAsync();
        }

        await publisher.PublishAsync(raised, cancellationToken);
        return response;
    }
}
