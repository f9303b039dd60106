using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// Copies the WAL into the SQLite file (a checkpoint) on a thread of its own, beside the writers instead of inside
/// one of them. SQLite's automatic checkpoint runs in the COMMIT that takes the WAL past 1,000 pages, while that
/// writer holds the write lock: under load one write in about sixty held everyone else out for the copy and two
/// fsyncs. Here the file's connections run with <c>wal_autocheckpoint=0</c>, and after writes this thread runs a
/// PASSIVE checkpoint, every <see cref="DatabaseOptions.SqliteCheckpointInterval"/> while writes keep coming and at
/// least once a second after a few; a checkpoint takes no write lock, so writers go on meanwhile. A WAL only starts
/// again from its first frame when a writer begins with every frame copied and no reader left in it, which writers that
/// keep coming never leave time for: once the WAL holds <see cref="RestartPages"/> frames and a pass has copied nearly
/// all of them, it copies the rest while holding the writer gate, waiting briefly for readers of the old frames (a
/// RESTART checkpoint), so the next writer starts the WAL again and the file stays bounded.
/// A pass that fails is logged and the next one tries again; one whose I/O failed breaks the group commit
/// (<see cref="SqliteCommitFlusher"/>), as a failed fsync of the WAL does, and no pass runs after that.
/// </summary>
public sealed partial class SqliteCheckpointer(SqliteWriteGate gate, SqliteCommitFlusher flusher, DatabaseOptions options, ILogger<SqliteCheckpointer> logger) : IDisposable
{
    /// <summary>How many frames the WAL may hold before a pass copies the rest while holding the writer gate.</summary>
    internal int RestartPages { get; init; } = 8192;

    /// <summary>Runs on the checkpoint thread before each checkpoint outside the gate (tests stall or fail it here).</summary>
    internal Action? BeforeCheckpoint { get; init; }

    /// <summary>
    /// How long passes may keep failing, or one pass may run, before the health check reports the instance degraded:
    /// the WAL grows meanwhile.
    /// </summary>
    internal TimeSpan DegradedAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Writes since the last pass that make the next interval's pass run; fewer wait for <see cref="QuietPassEvery"/>.</summary>
    internal const int WritesForNextPass = 100;

    /// <summary>How long a few writes wait for their pass: a pass costs two fsyncs, not worth paying twenty times a second for a trickle.</summary>
    internal static readonly TimeSpan QuietPassEvery = TimeSpan.FromSeconds(1);

    // How long the pass under the gate waits for readers of the frames it copied before it leaves the restart for later.
    private const int ReadersWaitMs = 20;

    // SQLITE_IOERR_FSYNC: an fsync failed. Linux reports a failed write-back once, so a later fsync of the WAL (the
    // group commit's) could succeed without those frames on disk. Any other I/O error leaves the pass to be tried again.
    private const int SqliteIoErrFsync = 10 | (4 << 8);

    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private static long instances;

    private readonly Lock sync = new();
    private readonly CancellationTokenSource stopping = new();
    private string? watchedFile;
    private string? connectionString;
    private Thread? thread;
    private long passes;
    private long gatedPasses;
    private long failures;
    private int failedInARow;
    private long failingSince;
    private long passStarted;
    private int retryGateAt;

    /// <summary>
    /// Tells this instance from an earlier one of the same process (a second host on the same file, in tests): a pooled
    /// connection configured for the earlier one is configured again for this one.
    /// </summary>
    internal long Instance { get; } = Interlocked.Increment(ref instances);

    /// <summary>The file whose checkpoints this instance took over, or null (for tests and diagnostics).</summary>
    internal string? WatchedFile
    {
        get
        {
            lock (sync)
            {
                return watchedFile;
            }
        }
    }

    /// <summary>Whether the checkpoint thread runs (for tests and diagnostics): from the first watched connection until disposal.</summary>
    internal bool Running
    {
        get
        {
            lock (sync)
            {
                return thread is { IsAlive: true };
            }
        }
    }

    /// <summary>Whether connections of the file leave checkpoints to this thread.</summary>
    public bool Enabled => options.SqliteCheckpointInterval > TimeSpan.Zero;

    /// <summary>Checkpoints run (for tests and diagnostics).</summary>
    public long Passes => Interlocked.Read(ref passes);

    /// <summary>Checkpoints run while holding the writer gate, so that the WAL restarts (for tests and diagnostics).</summary>
    public long GatedPasses => Interlocked.Read(ref gatedPasses);

    /// <summary>Passes that failed (for tests and diagnostics).</summary>
    public long Failures => Interlocked.Read(ref failures);

    /// <summary>Passes failed since the last one that succeeded: the WAL grows while they fail.</summary>
    public int FailedInARow => Volatile.Read(ref failedInARow);

    /// <summary>
    /// Why the WAL may be growing unchecked, or null: passes have failed for <see cref="DegradedAfter"/>, or one has run
    /// that long (a disk that does not answer). For the health check.
    /// </summary>
    public string? Trouble
    {
        get
        {
            var now = Environment.TickCount64;
            var since = Interlocked.Read(ref failingSince);
            if (since != 0 && now - since >= (long)DegradedAfter.TotalMilliseconds)
            {
                return $"Checkpoints of the database's WAL have failed for {(now - since) / 1000} s ({FailedInARow} in a row); the WAL grows until one succeeds.";
            }

            var started = Interlocked.Read(ref passStarted);
            return started != 0 && now - started >= (long)DegradedAfter.TotalMilliseconds
                ? $"A checkpoint of the database's WAL has run for {(now - started) / 1000} s; the WAL grows until it ends."
                : null;
        }
    }

    /// <summary>
    /// Takes the checkpoints of <paramref name="connection"/>'s file over, starting the thread on the first call.
    /// False (the connection keeps SQLite's automatic checkpoint): turned off, shut down, the connection has no file or
    /// is read-only, or it is another file than the one this instance watches.
    /// </summary>
    internal bool Watch(SqliteConnection connection)
    {
        if (!Enabled || connection.DataSource is not { Length: > 0 } file)
        {
            return false;
        }

        // The pass opens the file as the API does (its password and URI parameters kept), unpooled, and never creates
        // it: a file removed (a restore) is not made again empty by this thread. With a private cache: a checkpoint is
        // refused (SQLITE_LOCKED) while any connection sharing its cache is in a transaction.
        var configured = new SqliteConnectionStringBuilder(connection.ConnectionString) { Pooling = false, Cache = SqliteCacheMode.Private };
        if (configured.Mode == SqliteOpenMode.ReadOnly || raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
        {
            return false;
        }

        if (configured.Mode == SqliteOpenMode.ReadWriteCreate)
        {
            configured.Mode = SqliteOpenMode.ReadWrite;
        }

        lock (sync)
        {
            if (stopping.IsCancellationRequested)
            {
                return false;
            }

            if (watchedFile is null)
            {
                // Set before the start, which publishes them to the thread (its failure log names the file).
                connectionString = configured.ToString();
                watchedFile = file;
                var started = new Thread(Run) { IsBackground = true, Name = "SQLite checkpoint" };
                try
                {
                    started.Start();
                }
                catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
                {
                    // The connection keeps SQLite's own checkpoint; the next one to be configured tries again.
                    watchedFile = null;
                    TryLogNotStarted(ex);
                    return false;
                }

                thread = started;
            }

            return string.Equals(watchedFile, file, StringComparison.Ordinal);
        }
    }

    private void Run()
    {
        var stop = stopping.Token;
        long seen = -1;
        var lastPass = Environment.TickCount64;
        var lastLogged = long.MinValue;
        var quietMs = (long)QuietPassEvery.TotalMilliseconds;
        while (!stop.WaitHandle.WaitOne(options.SqliteCheckpointInterval))
        {
            // Nothing written since the last pass (every write lets go of the gate): nothing to copy. A few writes wait
            // a while longer, and so does the next try after a failed pass (a file gone for good is not opened twenty
            // times a second).
            var exits = gate.Exits;
            var waited = Environment.TickCount64 - lastPass;
            var due = FailedInARow > 0
                ? waited >= quietMs
                : exits != seen && (exits - seen >= WritesForNextPass || waited >= quietMs);
            if (!due)
            {
                continue;
            }

            // An fsync of the WAL failed (the group commit's or a pass's own): frames may be missing under the ones
            // that follow, and none is copied into the database from now on. Writes fail until the process restarts.
            if (flusher.IsBroken && options.SqliteDurability == SqliteDurability.GroupFsync)
            {
                return;
            }

            seen = exits;
            lastPass = Environment.TickCount64;
            Interlocked.Exchange(ref passStarted, lastPass);
            try
            {
                Pass(stop, ref seen);
                Interlocked.Increment(ref passes);
                Volatile.Write(ref failedInARow, 0);
                Interlocked.Exchange(ref failingSince, 0);
            }
            catch (Exception ex)
            {
                if (ex is SqliteException { SqliteExtendedErrorCode: SqliteIoErrFsync } && options.SqliteDurability == SqliteDurability.GroupFsync)
                {
                    flusher.Break(ex);
                }

                // Shutting down (queued at the gate, or a pass that failed meanwhile): nothing to report.
                if (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.Increment(ref failedInARow);
                    Interlocked.CompareExchange(ref failingSince, Environment.TickCount64, 0);

                    // When it starts failing, then at most once a minute.
                    if (FailedInARow == 1 || Environment.TickCount64 - lastLogged >= (long)LogEvery.TotalMilliseconds)
                    {
                        lastLogged = Environment.TickCount64;
                        TryLogFailed(ex);
                    }
                }
            }
            finally
            {
                Interlocked.Exchange(ref passStarted, 0);
            }
        }
    }

    private void Pass(CancellationToken stop, ref long seen)
    {
        // A connection of its own for each pass: none is held open between passes, so nothing of this thread stands in
        // the way of what needs the file to itself (leaving WAL mode, a restore).
        using var connection = Open();
        BeforeCheckpoint?.Invoke();
        var (frames, copied, _) = Checkpoint(connection, raw.SQLITE_CHECKPOINT_PASSIVE);

        // Only once nearly everything is copied: readers keep the frames committed after their snapshot from being
        // copied until they end (requests' reads, a few milliseconds), and the pass under the gate copies those and
        // what was written meanwhile, no more. A reader holding an old snapshot for long (an export) keeps many from
        // being copied, and the WAL from starting again: no gate is taken for nothing while it does.
        if (frames < RestartPages)
        {
            // The WAL started again since: the next time it is long, the gate is taken as soon as it may.
            retryGateAt = 0;
            return;
        }

        if (frames - copied > RestartPages / 8 || frames < retryGateAt)
        {
            return;
        }

        gate.Enter(options.SqliteWriteQueueTimeout, stop);
        bool restarted;
        try
        {
            // RESTART: copies the rest, then waits (the busy timeout, briefly) until no reader is left in the WAL, so
            // that the next writer starts it again. A reader that stays longer leaves the restart to a later pass,
            // once the WAL has grown by an eighth of RestartPages more: not the gate and 20 ms every interval for it.
            restarted = !Checkpoint(connection, raw.SQLITE_CHECKPOINT_RESTART).Busy;

            // Nobody else can let go of the gate while this pass holds it: its own exit is not a write.
            seen = gate.Exits + 1;
        }
        finally
        {
            gate.Exit();
        }

        retryGateAt = restarted ? 0 : frames + RestartPages / 8;
        if (restarted)
        {
            Interlocked.Increment(ref gatedPasses);
        }
    }

    private void TryLogNotStarted(Exception exception)
    {
        try
        {
            LogNotStarted(logger, exception);
        }
        catch (Exception)
        {
        }
    }

    // The thread is the process's own: a logger that throws must not end the process through it.
    private void TryLogFailed(Exception exception)
    {
        try
        {
            LogFailed(logger, watchedFile, FailedInARow, exception);
        }
        catch (Exception)
        {
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            SqliteWriteGateInterceptor.Execute(connection, "PRAGMA wal_autocheckpoint=0;");
            SqliteWriteGateInterceptor.Execute(connection, $"PRAGMA busy_timeout={ReadersWaitMs};");

            // A connection opens the WAL only when it first reads the file; until then a checkpoint finds no WAL.
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT COUNT(*) FROM sqlite_schema;";
            read.ExecuteScalar();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <returns>
    /// The frames in the WAL, how many of them are in the database file now (-1 and -1: not in WAL mode), and whether it
    /// was busy: another process's checkpoint runs now (and copies the same frames), or readers stayed in the WAL longer
    /// than a RESTART waits for them (what could be copied was).
    /// </returns>
    private static (int Frames, int Copied, bool Busy) Checkpoint(SqliteConnection connection, int mode)
    {
        var rc = raw.sqlite3_wal_checkpoint_v2(connection.Handle, null, mode, out var frames, out var copied);
        var busy = (rc & 0xFF) == raw.SQLITE_BUSY;
        if (rc != raw.SQLITE_OK && !busy)
        {
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }

        return (frames, copied, busy);
    }

    public void Dispose()
    {
        Thread? running;
        lock (sync)
        {
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            stopping.Cancel();
            running = thread;
        }

        // A pass in the middle of a copy finishes it; one queued at the gate gives up.
        if (running is null || running.Join(TimeSpan.FromSeconds(10)))
        {
            stopping.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A checkpoint of the SQLite WAL of {File} failed ({FailedInARow} in a row); the next pass tries again, and the WAL grows meanwhile")]
    private static partial void LogFailed(ILogger logger, string? file, int failedInARow, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The SQLite checkpoint thread could not start; SQLite checkpoints inside the writes meanwhile")]
    private static partial void LogNotStarted(ILogger logger, Exception exception);
}
