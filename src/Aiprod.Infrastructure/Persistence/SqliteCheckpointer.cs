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

    /// <summary>Passes failed in a row from which the health check reports the instance degraded.</summary>
    internal const int DegradedAfterFailures = 20;

    /// <summary>Writes since the last pass that make the next interval's pass run; fewer wait for <see cref="QuietPassEvery"/>.</summary>
    internal const int WritesForNextPass = 100;

    /// <summary>How long a few writes wait for their pass: a pass costs two fsyncs, not worth paying twenty times a second for a trickle.</summary>
    internal static readonly TimeSpan QuietPassEvery = TimeSpan.FromSeconds(1);

    // How long the pass under the gate waits for readers of the frames it copied before it leaves the restart for later.
    private const int ReadersWaitMs = 20;

    private const int SqliteIoErr = 10;

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

    /// <summary>
    /// Tells this instance from an earlier one of the same process (a second host on the same file, in tests): a pooled
    /// connection configured for the earlier one is configured again for this one.
    /// </summary>
    internal long Instance { get; } = Interlocked.Increment(ref instances);

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

        // The pass opens the file as the API does (its password, cache and URI parameters kept), unpooled, and never
        // creates it: a file removed (a restore) is not made again empty by this thread.
        var configured = new SqliteConnectionStringBuilder(connection.ConnectionString) { Pooling = false };
        if (configured.Mode == SqliteOpenMode.ReadOnly)
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
                connectionString = configured.ToString();
                var started = new Thread(Run) { IsBackground = true, Name = "SQLite checkpoint" };
                started.Start();
                thread = started;
                watchedFile = file;
            }

            return string.Equals(watchedFile, file, StringComparison.Ordinal);
        }
    }

    private void Run()
    {
        var stop = stopping.Token;
        long seen = -1;
        var lastPass = DateTime.UtcNow;
        var lastLogged = DateTime.MinValue;
        while (!stop.WaitHandle.WaitOne(options.SqliteCheckpointInterval))
        {
            // Nothing written since the last pass (every write lets go of the gate): nothing to copy. A few writes
            // wait for their pass a while longer. After a failed pass (seen is -1) the next one runs at once.
            var exits = gate.Exits;
            if (exits == seen || (seen >= 0 && exits - seen < WritesForNextPass && DateTime.UtcNow - lastPass < QuietPassEvery))
            {
                continue;
            }

            // An fsync of the WAL failed (the group commit's or a pass's own): frames may be missing under the ones
            // that follow, and none is copied into the database from now on. Writes fail until the process restarts.
            if (flusher.IsBroken)
            {
                return;
            }

            seen = exits;
            lastPass = DateTime.UtcNow;
            try
            {
                Pass(stop, ref seen);
                Interlocked.Increment(ref passes);
                Volatile.Write(ref failedInARow, 0);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref failures);
                Interlocked.Increment(ref failedInARow);
                seen = -1;
                if (ex is SqliteException { SqliteErrorCode: var code } && (code & 0xFF) == SqliteIoErr && options.SqliteDurability == SqliteDurability.GroupFsync)
                {
                    flusher.Break(ex);
                }

                // When it starts failing, then at most once a minute: not twenty times a second.
                if (FailedInARow == 1 || DateTime.UtcNow - lastLogged >= LogEvery)
                {
                    lastLogged = DateTime.UtcNow;
                    TryLogFailed(ex);
                }
            }
            catch (Exception)
            {
                // Shutting down (queued at the gate, or a pass that failed meanwhile): nothing to report.
            }
        }
    }

    private void Pass(CancellationToken stop, ref long seen)
    {
        // A connection of its own for each pass: none is held open between passes, so nothing of this thread stands in
        // the way of what needs the file to itself (leaving WAL mode, a restore).
        using var connection = Open();
        BeforeCheckpoint?.Invoke();
        var (frames, copied) = Checkpoint(connection, raw.SQLITE_CHECKPOINT_PASSIVE);

        // Only once nearly everything is copied: readers keep the frames committed after their snapshot from being
        // copied until they end (requests' reads, a few milliseconds), and the pass under the gate copies those and
        // what was written meanwhile, no more. A reader holding an old snapshot for long (an export) keeps many from
        // being copied, and the WAL from starting again: no gate is taken for nothing while it does.
        if (frames < RestartPages || frames - copied > RestartPages / 8)
        {
            return;
        }

        gate.Enter(options.SqliteWriteQueueTimeout, stop);
        try
        {
            // RESTART: copies the rest, then waits (the busy timeout, briefly) until no reader is left in the WAL, so
            // that the next writer starts it again. Readers that stay longer leave the restart to a later pass.
            Checkpoint(connection, raw.SQLITE_CHECKPOINT_RESTART);

            // Nobody else can let go of the gate while this pass holds it: its own exit is not a write.
            seen = gate.Exits + 1;
        }
        finally
        {
            gate.Exit();
        }

        Interlocked.Increment(ref gatedPasses);
    }

    // The thread is the process's own: a logger that throws must not end the process through it.
    private void TryLogFailed(Exception exception)
    {
        try
        {
            LogFailed(logger, FailedInARow, exception);
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

    /// <returns>The frames in the WAL, and how many of them are in the database file now (-1 and -1: not in WAL mode).</returns>
    private static (int Frames, int Copied) Checkpoint(SqliteConnection connection, int mode)
    {
        var rc = raw.sqlite3_wal_checkpoint_v2(connection.Handle, null, mode, out var frames, out var copied);

        // Busy: another process's checkpoint runs now (and copies the same frames), or readers stayed in the WAL
        // longer than a RESTART waits for them (what could be copied was).
        if (rc != raw.SQLITE_OK && (rc & 0xFF) != raw.SQLITE_BUSY)
        {
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }

        return (frames, copied);
    }

    public void Dispose()
    {
        Thread? running;
        lock (sync)
        {
            stopping.Cancel();
            running = thread;
        }

        // A pass in the middle of a copy finishes it; one queued at the gate gives up.
        if (running is null || running.Join(TimeSpan.FromSeconds(10)))
        {
            stopping.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A checkpoint of the SQLite WAL failed ({FailedInARow} in a row); the next pass tries again, and the WAL grows meanwhile")]
    private static partial void LogFailed(ILogger logger, int failedInARow, Exception exception);
}
