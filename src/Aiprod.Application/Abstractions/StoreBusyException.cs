namespace Aiprod.Application.Abstractions;

/// <summary>
/// The database could not take a write within its busy timeout (another writer held the lock that long). Nothing
/// was written; the caller may retry.
/// </summary>
public sealed class StoreBusyException : Exception
{
    public StoreBusyException()
    {
    }

    public StoreBusyException(string message)
        : base(message)
    {
    }

    public StoreBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
