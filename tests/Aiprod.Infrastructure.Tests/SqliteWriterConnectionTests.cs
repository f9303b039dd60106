using System.Collections.Concurrent;
using System.Data.Common;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// The writer connection on a real SQLite file: every unit of work's write runs on one connection, which only the
/// gate's holder has, whatever way the write ends; the context gets a connection of its own back afterwards.
/// </summary>
public sealed class SqliteWriterConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-writer-").FullName;
    private ServiceProvider services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SqliteWriteGate Gate => services.GetRequiredService<SqliteWriteGate>();

    public async ValueTask InitializeAsync() => services = await StartAsync(writerConnection: true);

    private async Task<ServiceProvider> StartAsync(bool writerConnection, int? writerCacheMiB = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = folder,
            ["Database:SqliteWriterConnection"] = writerConnection ? "true" : "false",
        };
        if (writerCacheMiB is { } cache)
        {
            settings["Database:SqliteWriterCacheMiB"] = cache.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddInfrastructure(configuration, folder);
        var provider = collection.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.ExecuteSqlRawAsync("""
            CREATE TABLE IF NOT EXISTS writer_probe(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
            INSERT OR IGNORE INTO writer_probe(id, n) VALUES (1, 0);
            CREATE TABLE IF NOT EXISTS writer_parent(id INTEGER PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS writer_child(id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES writer_parent(id) DEFERRABLE INITIALLY DEFERRED);
            """, Ct);
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.SqlQueryRaw<long>(sql).SingleAsync(Ct);
    }

    private Task<long> ProbeAsync() => ScalarAsync("SELECT n AS Value FROM writer_probe WHERE id = 1");

    private Task<long> AuditRowsAsync() => ScalarAsync("SELECT count(*) AS Value FROM audit_events WHERE EventType = 'test.writer'");

    /// <summary>One unit of work as CommitBehaviour drives it, beginning its write early: <paramref name="before"/>
    /// sees the context once the use case started, <paramref name="inside"/> runs in the write, which then adds one to
    /// the probe and commits. Returns the connection the write ran on.</summary>
    private async Task<DbConnection> WriteEarlyAsync(Action<AiprodDbContext>? before = null, Func<AiprodDbContext, Task>? inside = null)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
        await unitOfWork.StartAsync(Ct);
        try
        {
            before?.Invoke(db);
            await unitOfWork.BeginWriteAsync(Ct).WaitAsync(Hang, Ct);
            var written = db.Database.GetDbConnection();
            if (inside is not null)
            {
                await inside(db);
            }

            await db.Database.ExecuteSqlRawAsync("UPDATE writer_probe SET n = n + 1 WHERE id = 1", Ct);
            await unitOfWork.SaveChangesAsync(Ct);
            return written;
        }
        finally
        {
            await unitOfWork.AbandonAsync();
            await unitOfWork.EndAsync();
        }
    }

    private static void AddAudit(AiprodDbContext db) =>
        db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "test.writer", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));

    [Fact]
    public async Task ManyUnitsOfWorkAtOnce_WriteOnOneConnection_AndEveryCommitCounts_WhateverWayTheOthersEnd()
    {
        const int Actors = 8;
        const int Rounds = 40;
        long probeCommits = 0, auditCommits = 0;
        var writers = new ConcurrentDictionary<DbConnection, byte>(ReferenceEqualityComparer.Instance);
        var unexpected = new ConcurrentQueue<Exception>();

        // Readers run beside the writers the whole time and never wait for them.
        using var stop = new CancellationTokenSource();
        var reads = Task.Run(async () =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                await ProbeAsync();
                count++;
            }

            return count;
        }, Ct);

        await Task.WhenAll(Enumerable.Range(0, Actors).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                try
                {
                    await using var scope = services.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
                    var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
                    await unitOfWork.StartAsync(Ct);
                    var own = db.Database.GetDbConnection();
                    try
                    {
                        switch ((a + i) % 4)
                        {
                            case 0:
                                // Begun early (IDecidesUnderWriteLock): the handler's reads and writes on the writer.
                                await unitOfWork.BeginWriteAsync(Ct);
                                var writer = db.Database.GetDbConnection();
                                Assert.NotSame(own, writer);
                                writers.TryAdd(writer, 0);
                                Assert.True(Gate.IsHeld);
                                await db.Database.ExecuteSqlRawAsync("UPDATE writer_probe SET n = n + 1 WHERE id = 1", Ct);
                                AddAudit(db);
                                await unitOfWork.SaveChangesAsync(Ct);
                                Interlocked.Increment(ref probeCommits);
                                Interlocked.Increment(ref auditCommits);
                                break;
                            case 1:
                                // Begun by the save.
                                AddAudit(db);
                                await unitOfWork.SaveChangesAsync(Ct);
                                Interlocked.Increment(ref auditCommits);
                                break;
                            case 2:
                                // A handler that throws after writing: nothing of it stays.
                                await unitOfWork.BeginWriteAsync(Ct);
                                writers.TryAdd(db.Database.GetDbConnection(), 0);
                                await db.Database.ExecuteSqlRawAsync("UPDATE writer_probe SET n = n + 1000 WHERE id = 1", Ct);
                                break;
                            default:
                                // A commit the database refuses (a deferred foreign key): rolled back, and the writer
                                // connection is clean for the next one.
                                await unitOfWork.BeginWriteAsync(Ct);
                                await db.Database.ExecuteSqlRawAsync("INSERT INTO writer_child(id, parent_id) VALUES (NULL, -1)", Ct);
                                AddAudit(db);
                                await Assert.ThrowsAnyAsync<Exception>(() => unitOfWork.SaveChangesAsync(Ct));
                                break;
                        }
                    }
                    finally
                    {
                        await unitOfWork.AbandonAsync();
                        await unitOfWork.EndAsync();
                    }

                    // The context has a connection of its own again, closed, and the gate is not its to hold.
                    var after = db.Database.GetDbConnection();
                    Assert.False(writers.ContainsKey(after));
                    Assert.Equal(System.Data.ConnectionState.Closed, after.State);
                    Assert.False(((SqliteAiprodDbContext)db).WriteHold.IsHeld);
                }
                catch (Exception ex)
                {
                    unexpected.Enqueue(ex);
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        await stop.CancelAsync();
        Assert.True(await reads.WaitAsync(Hang, Ct) > 0);

        Assert.Empty(unexpected);
        Assert.Single(writers);
        Assert.False(Gate.IsHeld);
        Assert.Equal(probeCommits, await ProbeAsync());
        Assert.Equal(auditCommits, await AuditRowsAsync());
        Assert.Equal(0, await ScalarAsync("SELECT count(*) AS Value FROM writer_child"));
    }

    [Fact]
    public async Task AScopeThatEndsWithTheWriterAttached_RollsBack_AndGivesTheWriterBack_ToTheNextWrite()
    {
        DbConnection writer;
        AiprodDbContext pooled;
        await using (var scope = services.CreateAsyncScope())
        {
            pooled = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
            await unitOfWork.StartAsync(Ct);
            await unitOfWork.BeginWriteAsync(Ct);
            writer = pooled.Database.GetDbConnection();
            await pooled.Database.ExecuteSqlRawAsync("UPDATE writer_probe SET n = n + 1 WHERE id = 1", Ct);

            // Ends here without AbandonAsync or EndAsync.
        }

        Assert.False(Gate.IsHeld);
        Assert.Equal(0, await ProbeAsync());

        Assert.Same(writer, await WriteEarlyAsync(before: db =>
        {
            Assert.Same(pooled, db);
            Assert.NotSame(writer, db.Database.GetDbConnection());
        }));
        Assert.False(Gate.IsHeld);
        Assert.Equal(1, await ProbeAsync());
    }

    [Fact]
    public async Task AContextWhoseConnectionIsStillOpenElsewhere_WritesOnItsOwnConnection_ThroughTheGate()
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
        await unitOfWork.StartAsync(Ct);
        await db.Database.OpenConnectionAsync(Ct);
        var own = db.Database.GetDbConnection();

        await unitOfWork.BeginWriteAsync(Ct);
        Assert.Same(own, db.Database.GetDbConnection());
        Assert.True(Gate.IsHeld);
        await db.Database.ExecuteSqlRawAsync("UPDATE writer_probe SET n = n + 1 WHERE id = 1", Ct);
        await unitOfWork.SaveChangesAsync(Ct);
        Assert.False(Gate.IsHeld);
        await unitOfWork.AbandonAsync();

        // The use case's end leaves the connection to the one that still has it open.
        await unitOfWork.EndAsync();
        Assert.Equal(System.Data.ConnectionState.Open, own.State);
        await db.Database.CloseConnectionAsync();
        Assert.Equal(System.Data.ConnectionState.Closed, own.State);
        Assert.Equal(1, await ProbeAsync());
    }

    [Fact]
    public async Task TheWriterAndTheConnectionAContextGetsBack_HaveEfCoresSqlFunctions()
    {
        // EF Core registers its functions (regexp, the decimal arithmetic) only on connections it makes itself.
        const string UsesRegexp = "SELECT count(*) AS Value FROM writer_probe WHERE 'writer' REGEXP '^wr'";
        for (var round = 0; round < 3; round++)
        {
            await WriteEarlyAsync(inside: async db => Assert.Equal(1, await db.Database.SqlQueryRaw<long>(UsesRegexp).SingleAsync(Ct)));

            // One actor: the next scope rents the same pooled context, with the connection it got back.
            Assert.Equal(1, await ScalarAsync(UsesRegexp));
        }

        Assert.Equal(3, await ProbeAsync());
    }

    [Fact]
    public async Task TheWriter_HasTheConfiguredPageCache_AndPooledConnectionsSqlitesDefault()
    {
        const string CacheSize = "SELECT cache_size AS Value FROM pragma_cache_size";
        long onWriter = 0;
        await WriteEarlyAsync(inside: async db => onWriter = await db.Database.SqlQueryRaw<long>(CacheSize).SingleAsync(Ct));

        // Negative: KiB. Only the writer keeps its cache across commits; a pooled connection's would be dropped at the
        // next write by anyone, so it keeps SQLite's 2,000 KiB.
        Assert.Equal(-new DatabaseOptions().SqliteWriterCacheMiB * 1024L, onWriter);
        Assert.Equal(-2000, await ScalarAsync(CacheSize));

        await services.DisposeAsync();
        services = await StartAsync(writerConnection: true, writerCacheMiB: 0);
        await WriteEarlyAsync(inside: async db => onWriter = await db.Database.SqlQueryRaw<long>(CacheSize).SingleAsync(Ct));
        Assert.Equal(-2000, onWriter);
    }

    [Fact]
    public async Task AWriterLeftWithAStatementRunning_IsReplaced_AndTheNextWriteSucceeds()
    {
        // A statement never reset keeps its snapshot: on that connection every later BEGIN IMMEDIATE would fail once
        // another connection has committed. The writer is not handed on in that state.
        DbConnection first;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
            await unitOfWork.StartAsync(Ct);
            await unitOfWork.BeginWriteAsync(Ct);
            first = db.Database.GetDbConnection();
            var command = first.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
            command.CommandText = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT x FROM c";
            var reader = await command.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            await unitOfWork.AbandonAsync();
            await unitOfWork.EndAsync();
        }

        Assert.False(Gate.IsHeld);

        // Another connection commits, then the next unit of work writes: on a new writer.
        await using (var other = services.CreateAsyncScope())
        {
            await other.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.ExecuteSqlRawAsync("UPDATE writer_probe SET n = n + 10 WHERE id = 1", Ct);
        }

        Assert.NotSame(first, await WriteEarlyAsync());
        Assert.False(Gate.IsHeld);
        Assert.Equal(11, await ProbeAsync());
    }

    [Fact]
    public async Task AWriterOpenedBeforeTheFileIsInWalMode_IsReplacedAfterEachWrite_UntilItIs()
    {
        // Operators who migrate separately may start the API on a file still in rollback-journal mode: its connections
        // run at synchronous=FULL and are looked at again on their next open; the writer too.
        await SetJournalModeAsync("delete");
        var first = await WriteEarlyAsync();
        var second = await WriteEarlyAsync();
        Assert.NotSame(first, second);

        await SetJournalModeAsync("wal");
        var third = await WriteEarlyAsync();
        Assert.Same(third, await WriteEarlyAsync());
        Assert.False(Gate.IsHeld);
        Assert.Equal(4, await ProbeAsync());
    }

    private async Task SetJournalModeAsync(string mode)
    {
        // Leaving WAL mode takes the file for itself: every pooled connection is closed first.
        SqliteConnection.ClearAllPools();
        await using var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "aiprod.db"), Pooling = false }.ToString());
        await raw.OpenAsync(Ct);
        await using var command = raw.CreateCommand();
        command.CommandText = $"PRAGMA journal_mode={mode};";
        Assert.Equal(mode, (string?)await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task TurnedOff_TheUnitOfWorkWritesOnTheContextsOwnConnection()
    {
        await services.DisposeAsync();
        services = await StartAsync(writerConnection: false);
        Assert.Null(services.GetService<SqliteWriterConnection>());

        DbConnection? own = null;
        Assert.Same(await WriteEarlyAsync(before: db => own = db.Database.GetDbConnection()), own);
        Assert.False(Gate.IsHeld);
        Assert.Equal(1, await ProbeAsync());
    }
}
