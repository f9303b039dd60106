namespace Aiprod.Application.Abstractions;

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
