using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>The embedded default: a SQLite file in the data folder. Migrations in <c>Migrations/Sqlite</c>.</summary>
public sealed class SqliteAiprodDbContext : AiprodDbContext
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraint = 19;

    public SqliteAiprodDbContext(DbContextOptions<SqliteAiprodDbContext> options)
        : base(options)
    {
        Options = options;
        // A SaveChanges of one statement would otherwise run without a transaction, and its commit would be reported
        // only by the reader's disposal, which EF Core announces synchronously: the wait for the WAL's fsync would
        // then block the request's thread. In a transaction the commit is reported, and waited for, asynchronously.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;

        // A SaveChanges inside a transaction the application began (every unit of work's write, on the writer
        // connection) would otherwise wrap its statements in a SAVEPOINT and a RELEASE, two more statements under the
        // write lock, only to roll back to it on failure: every caller rolls back the whole transaction then.
        Database.AutoSavepointsEnabled = false;
    }

    /// <summary>The options it was made with (a context of the same kind is made from them to open the writer connection).</summary>
    internal DbContextOptions<SqliteAiprodDbContext> Options { get; }

    /// <summary>What this context holds of the writer gate (see <see cref="SqliteWriteGateInterceptor"/>).</summary>
    internal SqliteWriteHold WriteHold { get; } = new();

    public override bool IsUniqueConstraintViolation(DbUpdateException exception) =>
        exception.InnerException is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: 2067 or 1555 };

    public override bool IsBusy(Exception exception) =>
        (exception as SqliteException ?? exception.InnerException as SqliteException) is { SqliteErrorCode: SqliteBusy or SqliteLocked };

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type: stored as text it can neither order nor compare DateTimeOffset in SQL.
        // As a 64-bit number it does both, and every time we store is UTC.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
