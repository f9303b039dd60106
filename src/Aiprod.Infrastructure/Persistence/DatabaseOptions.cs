namespace Aiprod.Infrastructure.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
}

/// <summary>Configuration section <c>Database</c>; the connection string is <c>ConnectionStrings:Aiprod</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the API starts. Operators who apply them separately turn this off.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>The longest <see cref="SqliteBusyTimeout"/> and <see cref="SqliteWriteQueueTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxSqliteBusyTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// SQLite only: how long a write waits for the database file's write lock held by another process (a second
    /// instance on the same file, a migration run separately, a backup) before it fails (503, retry). Between 1 ms and
    /// <see cref="MaxSqliteBusyTimeout"/>.
    /// </summary>
    public TimeSpan SqliteBusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// SQLite only: how long a write of this process waits in the in-process writer queue (the writer gate) before it
    /// fails (503, retry). Longer than <see cref="SqliteBusyTimeout"/>: under load many writers queue for a while,
    /// and each is only a few milliseconds; the bound is there so that behind a holder stuck on another process's lock
    /// the queue empties instead of each writer waiting for every one before it. Between 1 ms and
    /// <see cref="MaxSqliteBusyTimeout"/>.
    /// </summary>
    public TimeSpan SqliteWriteQueueTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// SQLite only: run every write transaction of a unit of work on one connection kept for writing
    /// (<see cref="SqliteWriterConnection"/>), whose page cache survives its own commits, instead of on the pooled
    /// connection the request happened to get. On by default; off for comparison.
    /// </summary>
    public bool SqliteWriterConnection { get; set; } = true;

    /// <summary>
    /// SQLite only: the page cache of the writer connection, in MiB (SQLite's own default is 2,000 KiB). Only the writer
    /// keeps its cache from one write to the next (every pooled connection drops its own whenever another commits), and
    /// a write reads the index pages it inserts into: with the default those were read again from the file system once
    /// the tables outgrew it. Filled only as far as the database is read, and held for as long as the process runs
    /// (one writer per process); 0 leaves SQLite's default.
    /// </summary>
    public int SqliteWriterCacheMiB { get; set; } = 64;

    /// <summary>The largest <see cref="SqliteWriterCacheMiB"/> accepted: 4 GiB.</summary>
    public const int MaxSqliteWriterCacheMiB = 4096;

    /// <summary>
    /// SQLite only: how often, after writes, the WAL is copied into the database file by a thread of its own
    /// (<see cref="SqliteCheckpointer"/>) instead of inside the write that takes it past 1,000 pages. Zero leaves the
    /// checkpoints to SQLite, in that write, as before. Zero, or between <see cref="MinSqliteCheckpointInterval"/> and
    /// <see cref="MaxSqliteCheckpointInterval"/> (each pass after writes opens a connection).
    /// </summary>
    public TimeSpan SqliteCheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The shortest <see cref="SqliteCheckpointInterval"/> accepted, other than zero.</summary>
    public static readonly TimeSpan MinSqliteCheckpointInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="SqliteCheckpointInterval"/> accepted.</summary>
    public static readonly TimeSpan MaxSqliteCheckpointInterval = TimeSpan.FromSeconds(10);

    /// <summary>SQLite only: how a commit reaches the disk before its request is answered (see <see cref="Persistence.SqliteDurability"/>).</summary>
    public SqliteDurability SqliteDurability { get; set; } = SqliteDurability.GroupFsync;
}
