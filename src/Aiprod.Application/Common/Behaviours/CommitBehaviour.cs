using Aiprod.Domain.Common;
using Aiprod.Application.Abstractions;
using Mediator;

namespace Aiprod.Application.Common.Behaviours;

/// <summary>
/// The one place that commits. The handler changes aggregates and returns; this saves the unit of work once, then
/// publishes what the aggregates raised, only after the commit succeeded. A failed <c>Result</c> is committed too:
/// what the handler recorded on its way to the refusal (a failed-login audit, a lockout counter) must stay. An
/// exception commits nothing; a client that goes away after the handler returned does not stop the commit. It runs
/// for queries as well: most track nothing and commit nothing, but reading an owner's keys records an audit event.
/// </summary>
public sealed class CommitBehaviour<TMessage, TResponse>(
    IUnitOfWork unitOfWork,
    DomainEventPublisher publisher,
    IEnumerable<IWriteLockPrecheck<TMessage>> prechecks)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        TResponse response;
        IReadOnlyList<IDomainEvent> raised;
        await unitOfWork.StartAsync(cancellationToken);
        try
        {
            if (message is IDecidesUnderWriteLock && await IsWorthLockingAsync(message, cancellationToken))
            {
                await unitOfWork.BeginWriteAsync(cancellationToken);
            }

            response = await next(message, cancellationToken);

            // Once the handler has decided, its decision is written and announced whatever the client does next: a
            // disconnect must not drop the audit of a counted failed login, nor stop a disable's second look halfway.
            raised = await unitOfWork.SaveChangesAsync(CancellationToken.None);
        }
        catch (UniqueConstraintViolationException) when (message is IRefusedByUniqueIndex<TResponse> { ExpectsUniqueIndexRefusal: true } refused)
        {
            return refused.WhenUniqueIndexRefuses();
        }
        finally
        {
            // A handler that threw leaves a begun write open: closed here, before a retry runs in a new scope.
            try
            {
                await unitOfWork.AbandonAsync();
            }
            finally
            {
                await unitOfWork.EndAsync();
            }
        }

        // Outside the try: what a follow-up throws is not this message's lost race, so it must never make the retry
        // behaviour run a committed message again.
        await publisher.PublishAsync(raised, CancellationToken.None);
        return response;
    }

    private async ValueTask<bool> IsWorthLockingAsync(TMessage message, CancellationToken cancellationToken)
    {
        foreach (var precheck in prechecks)
        {
            if (!await precheck.IsWorthLockingAsync(message, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }
}
