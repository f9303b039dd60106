using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Persistence;
using Aiprod.Infrastructure.Persistence.Repositories;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// EF Core runs a compiled query only against the model it first ran on (CompiledQueryDifferentModel otherwise), and one
/// process can hold several: the SQLite and SQL Server contexts of a test run where Docker is reachable, or a context built
/// with a replaced service. Every compiled query of ours must serve each of them.
/// </summary>
public sealed class CompiledQueryModelTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-compiled-").FullName;

    [Fact]
    public async Task EveryCompiledQuery_RunsOnTwoModels_InOneProcess()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False");
        await using var first = new SqliteAiprodDbContext(builder.Options);
        await using var second = new SqliteAiprodDbContext(new DbContextOptionsBuilder<SqliteAiprodDbContext>(builder.Options)
            .ReplaceService<IModelCacheKeyFactory, SecondModelKey>().Options);
        await first.Database.MigrateAsync(ct);
        Assert.NotSame(first.Model, second.Model);

        foreach (var db in new AiprodDbContext[] { first, second, first })
        {
            var owner = UserId.New(DateTimeOffset.UtcNow);
            var jobs = new JobRepository(db);
            Assert.Null(await jobs.FindAsync(JobId.New(DateTimeOffset.UtcNow), ct));
            Assert.Empty(await jobs.NextQueuedAsync(null, 1, ct));
            Assert.Empty(await jobs.NextQueuedAsync(owner, 1, ct));
            Assert.Equal(0, await jobs.QueuedCountAsync(owner, 10, ct));
            Assert.Null(await new RefreshTokenRepository(db).FindByHashAsync("no such token", ct));
            Assert.False(await new UserRepository(db).IsAdminAsync(owner, ct));
            await new WebhookOutbox(new FakeTimeProvider()).StageAsync(db, [new(owner, "job.completed", new { })], ct);
        }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private sealed class SecondModelKey : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) => (context.GetType(), designTime, "second");
    }
}
