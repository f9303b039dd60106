namespace Aiprod.Application.Abstractions;

/// <summary>
/// The export storage did not answer (refused the connection, timed out, or answered a server error after the
/// adapter's retries). Nothing about the export changed; the caller may retry.
/// </summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
