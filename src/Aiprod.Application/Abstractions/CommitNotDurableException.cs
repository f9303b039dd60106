namespace Aiprod.Application.Abstractions;

/// <summary>
/// A write was applied to the database, but it could not be made durable (an fsync failed, now or before): it may be
/// lost on a power loss. The writer must not answer success, nor write it again as if it had not happened.
/// </summary>
public sealed class CommitNotDurableException : IOException
{
    public CommitNotDurableException()
        : this(null)
    {
    }

    public CommitNotDurableException(Exception? cause)
        : base("The commit could not be made durable: an fsync of the WAL file failed.", cause)
    {
    }

    public CommitNotDurableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
