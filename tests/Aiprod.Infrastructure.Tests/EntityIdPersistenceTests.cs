using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Aiprod.Infrastructure.Tests;

/// <summary>Typed ids are stored in the columns GUIDs had, with the same contents, and every query shape on them translates.</summary>
public sealed class EntityIdPersistenceTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-ids-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False";

    private SqliteAiprodDbContext Sqlite() => new(new DbContextOptionsBuilder<SqliteAiprodDbContext>().UseSqlite(ConnectionString).Options);

    private static SqlServerAiprodDbContext SqlServer() =>
        new(new DbContextOptionsBuilder<SqlServerAiprodDbContext>().UseSqlServer("Server=unused;Database=aiprod;TrustServerCertificate=True").Options);

    public static TheoryData<string, string> Providers() => new() { { "Sqlite", "TEXT" }, { "SqlServer", "uniqueidentifier" } };

    [Theory]
    [MemberData(nameof(Providers))]
    public void EveryIdColumn_IsAGuidColumn(string provider, string columnType)
    {
        using var db = provider == "Sqlite" ? (AiprodDbContext)Sqlite() : SqlServer();
        var model = db.GetService<IDesignTimeModel>().Model;

        var idColumns = model.GetEntityTypes()
            .SelectMany(e => e.GetProperties())
            .Where(p => EntityIds.IsEntityId(Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType))
            .ToList();

        Assert.Equal(
            [
                "api_keys.Id", "api_keys.OwnerId", "api_keys.ParentKeyId", "export_jobs.Id", "export_jobs.OwnerId", "idempotency_records.OwnerId", "job_events.JobId", "pipeline_jobs.ClaimId", "pipeline_jobs.Id", "pipeline_jobs.OwnerId",
                "pipeline_jobs.WorkerKeyId", "refresh_token_families.Id", "refresh_token_families.UserId", "refresh_tokens.FamilyId", "users.Id",
                "webhook_attempts.DeliveryId", "webhook_deliveries.Id", "webhook_deliveries.OwnerId", "webhook_deliveries.SubscriptionId",
                "webhook_subscriptions.Id", "webhook_subscriptions.OwnerId",
            ],
            idColumns.Select(p => $"{p.DeclaringType.GetTableName()}.{p.GetColumnName()}").Order(StringComparer.Ordinal));
        Assert.All(idColumns, p =>
        {
            Assert.Equal(columnType, p.GetColumnType());
            Assert.Equal(typeof(Guid), p.GetTypeMapping().Converter?.ProviderClrType);
        });
    }

    [Fact]
    public async Task Aggregates_RoundTripThroughARealSqliteFile_AndEveryQueryShapeTranslates()
    {
        var ct = TestContext.Current.CancellationToken;
        Email.TryCreate("ann@example.com", out var email);
        var user = User.Register(email, null, "hash", Now);
        var key = ApiKey.Issue(user.Id, "ci", [ApiKeyScope.PipelineWorker], new string('a', 64), "aip_prefix01", Now, TimeSpan.FromDays(30));
        var successor = key.Rotate(new string('b', 64), "aip_prefix02", Now, TimeSpan.Zero, TimeSpan.FromDays(30)).Value!;
        var family = RefreshTokenFamily.Start(user.Id, Now, RefreshTokenPolicy.Default, null, null);
        var token = family.Issue(new string('c', 64), null, Now, RefreshTokenPolicy.Default).Value!;
        var jobs = Enumerable.Range(0, 3).Select(i => PipelineJob.Submit(user.Id, $"job {i}", JobPreset.QuickSocial, JobPriority.Normal, "en", 30, Now.AddSeconds(i))).ToList();
        Assert.True(jobs[0].Claim(successor.Id, Now, TimeSpan.FromMinutes(1)).IsSuccess);
        await using (var db = Sqlite())
        {
            await db.Database.MigrateAsync(ct);
            db.AddRange(user, key, successor, family, token);
            db.AddRange(jobs);
            await db.SaveChangesAsync(ct);
        }

        await using (var db = Sqlite())
        {
            Assert.Equal(user.Id, (await db.Users.SingleAsync(u => u.Id == user.Id, ct)).Id);
            var rotated = await db.ApiKeys.SingleAsync(k => k.ParentKeyId == key.Id, ct);
            Assert.Equal((successor.Id, user.Id, (ApiKeyId?)key.Id), (rotated.Id, rotated.OwnerId, rotated.ParentKeyId));
            Assert.Equal(family.Id, (await db.RefreshTokens.Include(t => t.Family).SingleAsync(t => t.FamilyId == family.Id, ct)).Family.Id);
            Assert.Equal(jobs[0].Id, (await db.PipelineJobs.SingleAsync(j => j.WorkerKeyId == successor.Id, ct)).Id);

            var wanted = new[] { jobs[0].Id, jobs[2].Id };
            var found = await db.PipelineJobs.Where(j => wanted.Contains(j.Id) && j.OwnerId == user.Id).OrderBy(j => j.Id).Select(j => j.Id).ToListAsync(ct);
            Assert.Equal(wanted.OrderBy(id => id.Value.ToString("D").ToUpperInvariant(), StringComparer.Ordinal), found);

            var events = await db.JobEvents.Where(e => e.JobId == jobs[0].Id).OrderBy(e => e.Sequence).ToListAsync(ct);
            Assert.Equal([1L, 2L], events.Select(e => e.Sequence));
            Assert.All(events, e => Assert.Equal(jobs[0].Id, e.JobId));

            var owners = await db.ApiKeys.Where(k => db.Users.Any(u => u.Id == k.OwnerId && u.DisabledAt == null)).CountAsync(ct);
            Assert.Equal(2, owners);

            Assert.Equal(1, await db.ApiKeys.Where(k => k.Id == successor.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.UsageCount, k => k.UsageCount + 1), ct));
        }

        // The bytes on disk are what a Guid property wrote: EF's text form of a GUID on SQLite.
        Assert.Equal(jobs[0].Id.Value.ToString().ToUpperInvariant(), await ScalarAsync($"SELECT Id FROM pipeline_jobs WHERE WorkerKeyId = '{successor.Id.Value.ToString().ToUpperInvariant()}'"));
        Assert.Equal(user.Id.Value.ToString().ToUpperInvariant(), await ScalarAsync($"SELECT OwnerId FROM api_keys WHERE Id = '{key.Id.Value.ToString().ToUpperInvariant()}'"));
    }

    [Fact]
    public async Task ARowWrittenWithoutTypedIds_IsReadByItsId()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var db = Sqlite())
        {
            await db.Database.MigrateAsync(ct);
        }

        var id = Guid.Parse("0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7f");
        await ScalarAsync(
            "INSERT INTO users (Id, Email, DisplayName, PasswordHash, Role, CreatedAt, FailedLoginCount, PasswordChangedAt, Version) " +
            $"VALUES ('{id.ToString().ToUpperInvariant()}', 'old@example.com', 'old', 'hash', 'User', 0, 0, 0, 0)");

        await using var read = Sqlite();
        Assert.Equal("old@example.com", (await read.Users.SingleAsync(u => u.Id == new UserId(id), ct)).Email.Value);
    }

    [Fact]
    public void SqlServer_TranslatesEveryQueryShapeOnIds_WithGuidParameters()
    {
        using var db = SqlServer();
        var owner = new UserId(Guid.Parse("0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7f"));
        var key = new ApiKeyId(Guid.Parse("0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e80"));
        JobId[] wanted = [new(Guid.Parse("0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e81")), new(Guid.Parse("0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e82"))];

        var byOwner = db.PipelineJobs.Where(j => j.OwnerId == owner && j.WorkerKeyId == key).OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).ToQueryString();
        var byList = db.PipelineJobs.Where(j => wanted.Contains(j.Id)).Select(j => j.RetryCount).ToQueryString();
        var correlated = db.ApiKeys.Where(k => k.Id == key).Select(k => db.Users.Any(u => u.Id == k.OwnerId && u.DisabledAt != null)).ToQueryString();

        Assert.Contains("uniqueidentifier = '0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7f'", byOwner, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ORDER BY [p].[CreatedAt] DESC, [p].[Id] DESC", byOwner, StringComparison.Ordinal);
        Assert.All(wanted, id => Assert.Contains($"uniqueidentifier = '{id}'", byList, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("WHERE [p].[Id] IN (@wanted1, @wanted2)", byList, StringComparison.Ordinal);
        Assert.Contains("uniqueidentifier = '0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e80'", correlated, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
