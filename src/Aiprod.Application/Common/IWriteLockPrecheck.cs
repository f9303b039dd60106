namespace Aiprod.Application.Common;

/// <summary>
/// Tells, by a read that takes no lock, whether a command marked <see cref="IDecidesUnderWriteLock"/> has anything to
/// decide. When it has not (a claim on an empty queue), the command runs without taking the write lock, so that
/// workers polling an empty queue do not queue with every other write of the process. What the handler then finds
/// is still checked optimistically (row versions) when it commits.
/// </summary>
public interface IWriteLockPrecheck<in TMessage>
{
    ValueTask<bool> IsWorthLockingAsync(TMessage message, CancellationToken cancellationToken);
}
