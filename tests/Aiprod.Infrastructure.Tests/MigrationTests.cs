using Aiprod.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Aiprod.Infrastructure.Tests;

public sealed class MigrationTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-migrations-").FullName;

    private static SqlServerAiprodDbContext SqlServerContext() =>
        new(new DbContextOptionsBuilder<SqlServerAiprodDbContext>()
            .UseSqlServer("Server=unused;Database=aiprod;TrustServerCertificate=True")
            .Options);

    private SqliteAiprodDbContext SqliteContext() =>
        new(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False")
            .Options);

    [Fact]
    public void SqliteMigrations_MatchTheModel()
    {
        using var db = SqliteContext();
        Assert.False(db.Database.HasPendingModelChanges(), "The SQLite model changed without a migration: run dotnet ef migrations add for SqliteAiprodDbContext.");
    }

    [Fact]
    public void SqlServerMigrations_MatchTheModel()
    {
        using var db = SqlServerContext();
        Assert.False(db.Database.HasPendingModelChanges(), "The SQL Server model changed without a migration: run dotnet ef migrations add for SqlServerAiprodDbContext.");
    }

    [Fact]
    public void SqlServerScript_Generates()
    {
        using var db = SqlServerContext();

        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE TABLE [users]", script, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE [audit_events]", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_users_Email]", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqliteMigrations_ApplyToARealFile()
    {
        await using (var db = SqliteContext())
        {
            await db.Database.MigrateAsync(TestContext.Current.CancellationToken);
            Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            tables.Add(reader.GetString(0));
        }

        Assert.Contains("users", tables);
        Assert.Contains("audit_events", tables);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
