using Aiprod.Domain.Exports;
using Aiprod.Domain.Idempotency;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>The production provider. Migrations in <c>Migrations/SqlServer</c>.</summary>
public sealed class SqlServerAiprodDbContext(DbContextOptions<SqlServerAiprodDbContext> options) : AiprodDbContext(options)
{
    /// <summary>
    /// Idempotency keys compare byte for byte, as on SQLite: SQL Server's default collation is case-insensitive, so
    /// "Key-A" and "key-a" would be one key here and two there (a client's second request answered with another's job).
    /// </summary>
    public const string KeyCollation = "Latin1_General_100_BIN2";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<IdempotencyRecord>().Property(r => r.Key).UseCollation(KeyCollation);
        modelBuilder.Entity<ExportJob>().Property(e => e.IdempotencyKey).UseCollation(KeyCollation);
    }

    public override bool IsUniqueConstraintViolation(DbUpdateException exception) =>
        exception.InnerException is SqlException { Number: 2601 or 2627 };

    // SQL Server waits for locks without a timeout of its own here (LOCK_TIMEOUT -1); its command timeout is not a
    // busy lock but a slow statement, and stays a server error.
    public override bool IsBusy(Exception exception) => false;
}
