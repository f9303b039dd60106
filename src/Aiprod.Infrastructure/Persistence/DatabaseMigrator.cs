using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>Applies the checked-in migrations of the configured provider.</summary>
public sealed class DatabaseMigrator(AiprodDbContext db, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            // Write-ahead logging: readers never wait for the writer, and concurrent requests queue on one lock.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
    }
}
