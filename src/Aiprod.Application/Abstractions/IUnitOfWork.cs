namespace Aiprod.Application.Abstractions;

/// <summary>Commits every change of a use case, audit events included, in one transaction.</summary>
public interface IUnitOfWork
{
    /// <exception cref="UniqueConstraintViolationException">A unique index refused the change (a concurrent duplicate).</exception>
    /// <exception cref="ConcurrencyConflictException">
    /// A row changed underneath this unit of work. Everything it tracked is discarded: entities read before are
    /// detached, so read again (<see cref="Common.ConflictRetry"/>) rather than change them.
    /// </exception>
    Task SaveChangesAsync(CancellationToken cancellationToken);
}
