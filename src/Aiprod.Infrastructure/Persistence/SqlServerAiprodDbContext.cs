using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>The production provider. Migrations in <c>Migrations/SqlServer</c>.</summary>
public sealed class SqlServerAiprodDbContext(DbContextOptions<SqlServerAiprodDbContext> options) : AiprodDbContext(options)
{
    public override bool IsUniqueConstraintViolation(DbUpdateException exception) =>
        exception.InnerException is SqlException { Number: 2601 or 2627 };

    // SQL Server waits for locks without a timeout of its own here (LOCK_TIMEOUT -1); its command timeout is not a
    // busy lock but a slow statement, and stays a server error.
    public override bool IsBusy(Exception exception) => false;
}
