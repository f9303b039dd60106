namespace Aiprod.Application.Abstractions;

/// <summary>
/// A write was refused before it began, because this process can no longer make a write durable (an fsync failed
/// earlier; it stays so until the process restarts). Nothing was written.
/// </summary>
public sealed class WritesSuspendedException : Exception
{
    public WritesSuspendedException()
        : this("Writes are refused: an earlier fsync of the database failed, so no write can be made durable until the process restarts.")
    {
    }

    public WritesSuspendedException(string message)
        : base(message)
    {
    }

    public WritesSuspendedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
