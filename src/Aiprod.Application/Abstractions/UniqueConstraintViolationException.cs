namespace Aiprod.Application.Abstractions;

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
