using System.Diagnostics;
using Aiprod.Application.Abstractions;
using Aiprod.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// Database:SqliteBusyTimeout bounds a write's wait for another process's lock on the file, and
/// Database:SqliteWriteQueueTimeout its wait behind this process's writers (both 1 s here). Here another process's
/// connection (a raw one, outside the gate) holds BEGIN IMMEDIATE on the file for the whole test.
/// </summary>
public sealed class SqliteBusyTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(1);

    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-busy-").FullName;
    private ServiceProvider services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        services = Build(new Dictionary<string, string?>
        {
            ["Database:SqliteBusyTimeout"] = BusyTimeout.ToString(),
            ["Database:SqliteWriteQueueTimeout"] = BusyTimeout.ToString(),
        });
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.ExecuteSqlRawAsync(
            "CREATE TABLE busy_probe(id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO busy_probe(id, n) VALUES (1, 0);", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["DataFolder:Path"] = folder;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddInfrastructure(configuration, folder);
        return collection.BuildServiceProvider();
    }

    private async Task<SqliteConnection> HoldTheFileAsync()
    {
        var other = new SqliteConnection($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False");
        await other.OpenAsync(Ct);
        await using var begin = other.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE; UPDATE busy_probe SET n = n + 1000 WHERE id = 1;";
        await begin.ExecuteNonQueryAsync(Ct);
        return other;
    }

    [Fact]
    public async Task WritersBehindAnotherProcessesLock_EachGiveUpAfterTheirOwnWait_NotAfterEveryoneBefore()
    {
        // Without a bound on the gate, the writer inside waits its whole timeout in SQLite's busy loop, then the next
        // one enters and waits its own: the sixth would give up after six timeouts. Each must give up after about one
        // (the margin is for a loaded machine, far below the queue's sum).
        const int Writers = 6;
        await using var other = await HoldTheFileAsync();

        var waits = await Task.WhenAll(Enumerable.Range(0, Writers).Select(async _ =>
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAsync<StoreBusyException>(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(Ct);
                await db.Database.ExecuteSqlRawAsync("UPDATE busy_probe SET n = n + 1 WHERE id = 1", Ct);
                await transaction.CommitAsync(Ct);
            });
            return clock.Elapsed;
        })).WaitAsync(TimeSpan.FromMinutes(1), Ct);

        Assert.All(waits, wait => Assert.True(wait < BusyTimeout * 3.5, $"A writer waited {wait} behind a busy file; its own bound is {BusyTimeout}."));
    }

    [Fact]
    public async Task AWriteOutsideATransaction_GivesUpAfterTheBusyTimeout_NotMicrosoftDataSqlitesThirtySeconds()
    {
        await using var other = await HoldTheFileAsync();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var releaser = Task.Delay(TimeSpan.FromSeconds(8), Ct).ContinueWith(_ => other.Close(), TaskScheduler.Default);

        // Held for 8 s: a write still waiting when the lock goes (Microsoft.Data.Sqlite's 30 s default) would succeed.
        await Assert.ThrowsAsync<StoreBusyException>(() => db.Database.ExecuteSqlRawAsync("UPDATE busy_probe SET n = n + 1 WHERE id = 1", Ct));
        Assert.False(releaser.IsCompleted, "The write waited until the other process let go of the file.");
        await releaser;
    }

    [Theory]
    [InlineData("SqliteBusyTimeout", "00:00:00")]
    [InlineData("SqliteBusyTimeout", "-00:00:01")]
    [InlineData("SqliteBusyTimeout", "1.00:00:00")]
    [InlineData("SqliteWriteQueueTimeout", "00:00:00")]
    [InlineData("SqliteWriteQueueTimeout", "1.00:00:00")]
    [InlineData("SqliteCheckpointInterval", "-00:00:00.050")]
    [InlineData("SqliteCheckpointInterval", "00:00:00.005")]
    [InlineData("SqliteCheckpointInterval", "00:00:11")]
    public void AnOutOfRangeTimeout_IsRefusedAtStart(string option, string value)
    {
        using var refused = Build(new Dictionary<string, string?> { ["Database:" + option] = value });

        var failure = Assert.Throws<OptionsValidationException>(() => refused.GetRequiredService<IOptions<DatabaseOptions>>().Value);
        Assert.Contains(option, failure.Message, StringComparison.Ordinal);
    }
}
