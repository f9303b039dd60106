namespace Aiprod.Application.Common;

/// <summary>
/// Declares that a command decides on rows that concurrent commands of the same kind fight over (the head of the
/// job queue, a count under a cap): the unit of work begins its write transaction before the handler reads
/// (<see cref="Abstractions.IUnitOfWork.BeginWriteAsync"/>), so what it read is still true when it commits. On
/// SQLite that makes the command a single writer from first read to commit. On SQL Server, whose retrying
/// execution strategy refuses a transaction begun this early, nothing is locked and the command's optimistic
/// checks (row versions) decide. Only for commands whose reads are few: the lock is held while the handler runs.
/// </summary>
public interface IDecidesUnderWriteLock;
