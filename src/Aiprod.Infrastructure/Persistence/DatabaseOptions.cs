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

    /// <summary>The longest <see cref="SqliteBusyTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxSqliteBusyTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// SQLite only: how long a write waits for the database's write lock before it fails (503, retry), whoever holds
    /// it: another writer of this process (queued on the writer gate) or of another process (a second instance on the
    /// same file, a migration run separately, a backup). Between 1 ms and <see cref="MaxSqliteBusyTimeout"/>.
    /// </summary>
    public TimeSpan SqliteBusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
