using Aiprod.Application.Abstractions;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>How a commit on the SQLite file reaches the disk before the request that made it is answered.</summary>
public enum SqliteDurability
{
    /// <summary>
    /// The default. The connection commits with <c>synchronous=NORMAL</c> (no fsync inside the write lock), and the
    /// writer then waits, outside the lock, for an fsync of the WAL that started after its commit. Commits that
    /// wait at the same time share one fsync (group commit). What was answered survives a power loss.
    /// </summary>
    GroupFsync,

    /// <summary>SQLite's <c>synchronous=FULL</c>: each COMMIT fsyncs the WAL itself, while holding the write lock.</summary>
    FsyncPerCommit,

    /// <summary>
    /// <c>synchronous=NORMAL</c> and no wait: a commit survives the process being killed, but an OS crash or a power
    /// loss may take the commits made since the last checkpoint. Only for data that can be lost.
    /// </summary>
    NoFsync,
}

/// <summary>Makes the WAL file durable: an fsync on a descriptor of its own.</summary>
public interface ISqliteWalSync
{
    void Sync(string walPath);
}

internal sealed class FileSqliteWalSync : ISqliteWalSync
{
    // SQLite takes no POSIX lock on the WAL file (its locks are on the -shm file and the database), so opening and
    // closing a descriptor of it here cannot drop one. Opened anew each time: a WAL deleted and created again (the
    // last connection closed) is never synced through a stale descriptor.
    public void Sync(string walPath)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(walPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (FileNotFoundException)
        {
            // No WAL: the last connection checkpointed it into the database, and synced that, before deleting it.
            return;
        }

        using (stream)
        {
            stream.Flush(flushToDisk: true);
        }
    }
}

/// <summary>
/// Group commit for <see cref="SqliteDurability.GroupFsync"/>. A writer that has committed (its frames are in the WAL,
/// in the operating system's cache) asks for a sync and waits; one loop syncs the WAL for everyone who asked before
/// that sync began, then for those who asked meanwhile. An fsync that started before a commit is never taken as
/// covering it. Because the WAL is one append-only file, a sync that covers a commit covers every earlier one.
/// A failed fsync breaks it for good. Linux marks the pages whose write-back failed clean and reports the error once,
/// so a later fsync may return success without those frames on disk, and commits appended after the hole would be
/// lost with it on a power loss (WAL recovery keeps the frames before the first bad one). With synchronous=FULL the
/// failing COMMIT would not have been applied; here it has been, so the only safe answer from then on is failure,
/// until the process restarts (as PostgreSQL does after an fsync failure).
/// </summary>
public sealed class SqliteCommitFlusher(ISqliteWalSync walSync, ILogger<SqliteCommitFlusher> logger)
{
    /// <summary>How long the sync thread waits, idle, for the next commit before it ends (the next commit starts another).</summary>
    internal TimeSpan IdleThreadLifetime { get; init; } = TimeSpan.FromSeconds(30);

    // An object rather than a Lock: the idle sync thread waits on it (Monitor.Wait) for the next commit.
    private readonly object sync = new();
    private List<(string WalPath, TaskCompletionSource Done)> waiting = [];
    private bool flushing;
    private bool threadRunning;
    private Exception? broken;

    /// <summary>How many sync threads were started (for tests and diagnostics): one per busy period, not one per sync.</summary>
    public int ThreadsStarted { get; private set; }

    /// <summary>Whether an fsync has failed; from then on no commit is reported durable.</summary>
    public bool IsBroken => Volatile.Read(ref broken) is not null;

    /// <summary>Commits waiting for the next sync now, not counting those of a sync already running (for tests and diagnostics).</summary>
    public int Waiting
    {
        get
        {
            lock (sync)
            {
                return waiting.Count;
            }
        }
    }

    /// <summary>Completes once an fsync of <paramref name="walPath"/> that began after this call has returned.</summary>
    public Task WaitDurableAsync(string walPath)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool signal, startThread = false;
        lock (sync)
        {
            if (broken is not null)
            {
                return Task.FromException(NotDurable(broken));
            }

            waiting.Add((walPath, done));
            signal = !flushing;
            flushing = true;
            if (signal && !threadRunning)
            {
                threadRunning = true;
                startThread = true;
                ThreadsStarted++;
            }
            else if (signal)
            {
                Monitor.Pulse(sync);
            }
        }

        if (startThread)
        {
            // Blocking file I/O on a thread of its own: not the caller's (a request does not hold its thread through
            // the sync), and not one the thread pool would first have to find behind queued requests. The thread
            // stays for the next commits while they come: one started per sync cost more CPU under load than
            // the syncs themselves (a new thread a few hundred times a second).
            try
            {
                new Thread(Run) { IsBackground = true, Name = "SQLite WAL sync" }.Start();
            }
            catch (Exception ex)
            {
                // No thread to sync (out of memory, a thread limit): nothing queued may wait for one forever.
                lock (sync)
                {
                    threadRunning = false;
                }

                Break(ex);
            }
        }

        return done.Task;
    }

    private void Run()
    {
        while (true)
        {
            try
            {
                while (FlushOnce())
                {
                }
            }
            catch (Exception ex)
            {
                // Never expected (each sync's failure is caught below); without this every later writer would wait
                // for a loop that no longer runs.
                Break(ex);
            }

            // Idle: the next commit that asks sets flushing and wakes this thread; after a while without one it ends.
            lock (sync)
            {
                while (!flushing)
                {
                    if (!Monitor.Wait(sync, IdleThreadLifetime))
                    {
                        IdleWaitRanOut?.Invoke();
                        if (!flushing)
                        {
                            threadRunning = false;
                            return;
                        }
                    }
                }
            }
        }
    }

    // A test's hook into the moment the idle thread's wait ran out, before it decides to end (under the lock).
    internal Action? IdleWaitRanOut { get; init; }

    private bool FlushOnce()
    {
        List<(string WalPath, TaskCompletionSource Done)> batch;
        lock (sync)
        {
            if (waiting.Count == 0 || broken is not null)
            {
                flushing = false;
                FailAll(waiting, broken);
                waiting = [];
                return false;
            }

            batch = waiting;
            waiting = [];
        }

        foreach (var group in batch.GroupBy(w => w.WalPath, StringComparer.Ordinal))
        {
            if (broken is not null)
            {
                FailAll(group, broken);
                continue;
            }

            try
            {
                walSync.Sync(group.Key);
                foreach (var (_, done) in group)
                {
                    done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                // Whether the commit reached the disk is unknown: its writer fails rather than answer success.
                Break(ex);
                FailAll(group, broken);
            }
        }

        return true;
    }

    /// <summary>Fails every write from now on; also when a checkpoint's own fsync of the WAL failed (<see cref="SqliteCheckpointer"/>).</summary>
    internal void Break(Exception cause)
    {
        List<(string WalPath, TaskCompletionSource Done)> left;
        bool first;
        lock (sync)
        {
            first = broken is null;
            broken ??= cause;
            left = waiting;
            waiting = [];
            flushing = false;
        }

        FailAll(left, broken);
        if (first)
        {
            try
            {
                logger.LogCritical(cause, "An fsync of the SQLite WAL failed: no write is reported durable from now on; restart the process once the disk is sound");
            }
            catch (Exception)
            {
                // A logger that throws must not leave the writers of this sync waiting: they are failed above and below.
            }
        }
    }

    private static void FailAll(IEnumerable<(string WalPath, TaskCompletionSource Done)> waiters, Exception? cause)
    {
        foreach (var (_, done) in waiters)
        {
            done.TrySetException(NotDurable(cause));
        }
    }

    private static CommitNotDurableException NotDurable(Exception? cause) => new(cause);
}
