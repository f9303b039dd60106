using System.Reflection;
using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

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

    /// <summary>Every audit event type written before the rename, what it became, and the reason a session row carries.</summary>
    private static readonly (string Old, string New, string? Reason)[] AuditRenames =
    [
        ("user_registered", "user.registered", null),
        ("user_promoted_admin", "user.promoted_to_admin", null),
        ("user_disabled", "user.disabled", null),
        ("authn_lockout", "user.locked_out", null),
        ("authn_login_succeeded", "login.succeeded", null),
        ("authn_login_failed", "login.failed", null),
        ("user_password_changed", "password.changed", null),
        ("user_password_change_failed", "password.change_failed", null),
        ("authn_token_issued", "token.issued", null),
        ("authn_token_refreshed", "token.refreshed", null),
        ("authn_token_reuse", "token.reuse_detected", "token_reuse"),
        ("authn_token_revoked", "session.revoked", "session_ended"),
        ("authn_token_revoked", "session.revoked", "password_changed"),
        ("authn_logout_all", "session.revoked", "logout_all"),
        ("authn_logout_all", "session.revoked", "logout_all"),
        ("API_KEY_CREATED", "api_key.created", null),
        ("API_KEY_ROTATED", "api_key.rotated", null),
        ("API_KEY_REVOKED", "api_key.revoked", null),
        ("API_KEY_MASS_REVOKED", "api_key.revoked_all", null),
        ("API_KEY_LISTED", "api_key.listed", null),
        ("API_KEY_AUTH_FAILED", "api_key.authentication_failed", null),
        ("job_submitted", "job.submitted", null),
        ("job_cancelled", "job.cancelled", null),
        ("job_failed_by_worker", "job.failure_reported", null),
        ("job_lease_lapsed", "job.lease_lapsed", null),
    ];

    [Fact]
    public async Task AuditEventNames_RenamesEveryRowWrittenBefore_AndDownRestoresEachOldName()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = SqliteContext();
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("ConcurrencyTokens", cancellationToken: ct);
        await InsertAuditRowsAsync(db, AuditRenames.Select(r => (r.Old, r.Reason)), ct);
        var detailsBefore = await ReadAuditRowsAsync(db, ct);

        await migrator.MigrateAsync("AuditEventNames", cancellationToken: ct);

        var renamed = await ReadAuditRowsAsync(db, ct);
        Assert.Equal(AuditRenames.Select(r => r.New), renamed.Select(r => r.EventType));
        Assert.Equal(detailsBefore.Select(r => r.Details), renamed.Select(r => r.Details));

        await migrator.MigrateAsync("ConcurrencyTokens", cancellationToken: ct);

        Assert.Equal(AuditRenames.Select(r => r.Old), (await ReadAuditRowsAsync(db, ct)).Select(r => r.EventType));
    }

    [Fact]
    public async Task AuditRowsWrittenBeforeTheRename_ReadBackAfterEveryMigration_WithANameTheCodeWrites()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var before = SqliteContext())
        {
            await before.GetService<IMigrator>().MigrateAsync("ConcurrencyTokens", cancellationToken: ct);
            await InsertAuditRowsAsync(before, AuditRenames.Select(r => (r.Old, r.Reason)), ct);
        }

        await using var db = SqliteContext();
        await db.Database.MigrateAsync(ct);

        var current = typeof(AuditEventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);
        var events = await db.AuditEvents.OrderBy(e => e.Id).ToListAsync(ct);
        Assert.Equal(AuditRenames.Length, events.Count);
        Assert.All(events, e => Assert.Contains(e.EventType, current));
    }

    [Fact]
    public void AuditEventNames_ForSqlServer_UpdatesTheRowsBothWays()
    {
        using var db = SqlServerContext();
        var migrator = db.GetService<IMigrator>();

        var up = migrator.GenerateScript("ConcurrencyTokens", "AuditEventNames");
        var down = migrator.GenerateScript("AuditEventNames", "ConcurrencyTokens");

        foreach (var (old, renamed, _) in AuditRenames)
        {
            Assert.Contains($"UPDATE audit_events SET EventType = '{renamed}' WHERE EventType = '{old}';", up, StringComparison.Ordinal);
        }

        Assert.Contains("UPDATE audit_events SET EventType = 'authn_logout_all' WHERE EventType = 'session.revoked' AND Details LIKE", down, StringComparison.Ordinal);
        Assert.Contains("UPDATE audit_events SET EventType = 'API_KEY_CREATED' WHERE EventType = 'api_key.created';", down, StringComparison.Ordinal);
    }

    /// <summary>Rows as the code of that time wrote them: a session's details carry its family and the reason.</summary>
    private static async Task InsertAuditRowsAsync(DbContext db, IEnumerable<(string EventType, string? Reason)> rows, CancellationToken ct)
    {
        var toStored = new DateTimeOffsetToBinaryConverter();
        var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var (eventType, reason) in rows)
        {
            var occurredAt = (long)toStored.ConvertToProvider(at = at.AddSeconds(1))!;
            var details = reason is null ? null : $"{{\"family_id\":\"{Guid.NewGuid()}\",\"reason\":\"{reason}\"}}";
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO audit_events (OccurredAt, EventType, ActorKind, Outcome, Details) VALUES ({occurredAt}, {eventType}, 'User', 'Success', {details})", ct);
        }
    }

    private static async Task<List<AuditRow>> ReadAuditRowsAsync(DbContext db, CancellationToken ct) =>
        await db.Database.SqlQuery<AuditRow>($"SELECT EventType, Details FROM audit_events ORDER BY Id").ToListAsync(ct);

    private sealed record AuditRow(string EventType, string? Details);

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
