using Aiprod.Domain.Common;

namespace Aiprod.Application.Abstractions;

/// <summary>
/// Commits every change of a use case, audit events included, in one transaction. Only the commit behaviour
/// (<see cref="Common.Behaviours.CommitBehaviour{TMessage, TResponse}"/>) calls it; handlers change aggregates.
/// </summary>
public interface IUnitOfWork
{
    /// <returns>The domain events the tracked aggregates raised, taken only once the commit succeeded.</returns>
    /// <exception cref="UniqueConstraintViolationException">A unique index refused the change (a concurrent duplicate).</exception>
    /// <exception cref="ConcurrencyConflictException">
    /// A row changed underneath this unit of work. Everything it tracked is discarded: entities read before are
    /// detached, so the use case runs again on a fresh scope (<see cref="Common.IRetryOnConflict"/>).
    /// </exception>
    Task<IReadOnlyList<IDomainEvent>> SaveChangesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Begins the write transaction now, before the handler reads (<see cref="Common.IDecidesUnderWriteLock"/>);
    /// <see cref="SaveChangesAsync"/> commits it.
    /// </summary>
    Task BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>Rolls back a write begun by <see cref="BeginWriteAsync"/> whose handler failed; nothing when none is open.</summary>
    Task AbandonAsync();

    /// <summary>
    /// Starts the use case: where the store gains by it, its reads and its commit share one connection until
    /// <see cref="EndAsync"/> (one open and close per request, not one per statement). Calls nest (a use case that sends
    /// another in the same scope): only the outermost end lets go.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Ends what <see cref="StartAsync"/> started; called once for each start, also when the use case failed.</summary>
    Task EndAsync();
}
