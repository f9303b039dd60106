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

/// <summary>Raised by <see cref="IUnitOfWork"/> when a unique index refuses a write; handlers turn it into a 409.</summary>
public sealed class UniqueConstraintViolationException : Exception
{
    public UniqueConstraintViolationException()
    {
    }

    public UniqueConstraintViolationException(string message)
        : base(message)
    {
    }

    public UniqueConstraintViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Raised by <see cref="IUnitOfWork"/> when an optimistic concurrency check fails.</summary>
public sealed class ConcurrencyConflictException : Exception
{
    public ConcurrencyConflictException()
    {
    }

    public ConcurrencyConflictException(string message)
        : base(message)
    {
    }

    public ConcurrencyConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
