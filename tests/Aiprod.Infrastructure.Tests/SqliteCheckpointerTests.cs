using Aiprod.Application.Abstractions;
using Aiprod.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// The WAL is copied into the database file by the checkpoint thread, beside the writers, on a real SQLite file: no
/// write checkpoints inside its commit, the WAL stays bounded under writers that never pause and readers beside them,
/// and a copy outside the gate that stalls or fails holds no writer.
/// </summary>
public sealed class SqliteCheckpointerTests : IAsyncDisposable
{
    // Only a bound on a hang: what should happen happens at once.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    // A WAL frame: a 24-byte header and the page (the file's page size is SQLite's default, 4,096 bytes).
    private const long FrameBytes = 24 + 4096;

    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-checkpoint-").FullName;
    private ServiceProvider? services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Wal => Path.Combine(folder, "aiprod.db-wal");

    private async Task<ServiceProvider> StartAsync(
        string interval, int restartPages = 8192, Action? beforeCheckpoint = null, SqliteDurability durability = SqliteDurability.NoFsync,
        TimeSpan? degradedAfter = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = folder,
            ["Database:SqliteCheckpointInterval"] = interval,
            // The fsyncs are not what is tested here (unless asked for), and the writes are many.
            ["Database:SqliteDurability"] = durability.ToString(),
        };
        var collection = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton(sp => new SqliteCheckpointer(
            sp.GetRequiredService<SqliteWriteGate>(), sp.GetRequiredService<SqliteCommitFlusher>(), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value,
            sp.GetRequiredService<ILogger<SqliteCheckpointer>>())
        {
            RestartPages = restartPages,
            BeforeCheckpoint = beforeCheckpoint,
            DegradedAfter = degradedAfter ?? TimeSpan.FromSeconds(5),
        });
        collection.AddInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), folder);
        services = collection.BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.ExecuteSqlRawAsync(
            "CREATE TABLE IF NOT EXISTS filler(id INTEGER PRIMARY KEY, data BLOB NOT NULL);", Ct);
        return services;
    }

    public async ValueTask DisposeAsync()
    {
        if (services is not null)
        {
            await services.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// A connection that stays open, so the file's last connection never closes meanwhile (another test's
    /// <c>ClearAllPools</c> closes the pooled ones at any time, and the last close copies the WAL and deletes it).
    /// </summary>
    private async Task<SqliteConnection> KeepOpenAsync()
    {
        var keeper = new SqliteConnection($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False");
        await keeper.OpenAsync(Ct);
        await using var read = keeper.CreateCommand();
        read.CommandText = "SELECT COUNT(*) FROM sqlite_schema";
        await read.ExecuteScalarAsync(Ct);
        return keeper;
    }

    /// <summary>One commit of one row that fills most of a page, through the writer gate as every write of the API.</summary>
    private static async Task WriteAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database
            .ExecuteSqlRawAsync("INSERT INTO filler(data) VALUES (randomblob(3000))", Ct);
    }

    private async Task<long> WalFramesAfterOnePageCommitsAsync(IServiceProvider services, int commits)
    {
        for (var i = 0; i < commits; i++)
        {
            await WriteAsync(services);
        }

        return new FileInfo(Wal).Length / FrameBytes;
    }

    private static async Task<long> ScalarAsync(IServiceProvider services, string sql)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        await db.Database.OpenConnectionAsync(Ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [Fact]
    public async Task AWrite_NeverCheckpointsInsideItsCommit()
    {
        // The thread's first pass is ten seconds away: whatever the WAL holds until then, no writer copied it.
        var services = await StartAsync("00:00:10");
        await using var keeper = await KeepOpenAsync();
        Assert.Equal(0, await ScalarAsync(services, "PRAGMA wal_autocheckpoint"));

        // SQLite's own checkpoint would have copied the WAL and started it again after 1,000 pages.
        var frames = await WalFramesAfterOnePageCommitsAsync(services, 1600);
        Assert.True(frames >= 1600, $"The WAL holds {frames} frames after 1,600 commits of a page each: a writer checkpointed it.");
    }

    [Fact]
    public async Task UnderWritersThatNeverPause_TheWalStaysBounded_AndEveryRowIsKept()
    {
        // A passive checkpoint copies beside the writers, but a WAL starts again only when a writer begins with every
        // frame copied: eight writers at once never leave such a moment, so without the pass that holds the gate the
        // WAL would grow by a frame per commit (8,000 here).
        const int Writers = 8;
        const int Each = 1000;
        const int RestartPages = 1000;
        var services = await StartAsync("00:00:00.010", RestartPages);
        await using var keeper = await KeepOpenAsync();

        // Readers all along, as requests read beside the writes (a look-up by key each): each holds a snapshot of the
        // WAL while it reads, which keeps newer frames from being copied and a restart waiting until it ends.
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            while (!writing.IsCancellationRequested)
            {
                await ScalarAsync(services, "SELECT COUNT(*) FROM filler WHERE id > (SELECT MAX(id) - 10 FROM filler)");
                reads++;
            }

            return reads;
        }, Ct)).ToList();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await WriteAsync(services);
            }
        }, Ct))).WaitAsync(Hang * 4, Ct);
        await writing.CancelAsync();
        Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 0));

        var checkpointer = services.GetRequiredService<SqliteCheckpointer>();
        var frames = new FileInfo(Wal).Length / FrameBytes;
        // Each commit writes two or three frames (its row's page and the table's inner pages): kept, they would be
        // over 16,000; started again from time to time, the WAL holds fewer than one per commit.
        Assert.True(frames < Writers * Each, $"The WAL grew to {frames} frames over {Writers * Each} commits: it never started again.");
        Assert.True(checkpointer.GatedPasses >= 1, $"No pass held the gate to let the WAL start again ({checkpointer.Passes} passes, {frames} frames).");
        Assert.Equal(Writers * Each, await ScalarAsync(services, "SELECT COUNT(*) FROM filler"));
        Assert.Equal(0, checkpointer.Failures);
    }

    [Fact]
    public async Task AfterWrites_TheThreadCopiesTheWal()
    {
        var services = await StartAsync("00:00:00.010");
        await using var keeper = await KeepOpenAsync();
        var checkpointer = services.GetRequiredService<SqliteCheckpointer>();
        var before = checkpointer.Passes;
        for (var i = 0; i < 50; i++)
        {
            await WriteAsync(services);
        }

        // Fewer writes than make the next interval's pass: theirs comes within a second.
        await UntilAsync(() => checkpointer.Passes > before, () => "No checkpoint ran after the writes.");

        // Everything is in the database file: a checkpoint now finds no frame left to copy.
        await using var probe = new SqliteConnection($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False");
        await probe.OpenAsync(Ct);
        await UntilAsync(
            () =>
            {
                using var command = probe.CreateCommand();
                command.CommandText = "SELECT COUNT(*) FROM filler";
                return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 50 && Backfilled(probe);
            },
            () => "The WAL's frames were not all copied into the database file.");
    }

    // Whether every frame of the WAL is in the database file: SQLite's own count, read without copying anything
    // (a checkpoint from here would copy them itself): the WAL index's backfill counter equals its last frame.
    private static bool Backfilled(SqliteConnection connection)
    {
        var shm = File.ReadAllBytes(connection.DataSource + "-shm");

        // The WAL index header (two copies of 48 bytes), then the checkpoint info: nBackfill first. mxFrame is at
        // offset 16 of the header. Both little-endian on the machines the tests run on (native byte order).
        var maxFrame = BitConverter.ToUInt32(shm, 16);
        var backfilled = BitConverter.ToUInt32(shm, 96);
        return maxFrame == backfilled;
    }

    [Fact]
    public async Task AStalledCheckpoint_HoldsNoWriter()
    {
        using var entered = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        var armed = 0;
        var services = await StartAsync("00:00:00.010", degradedAfter: TimeSpan.FromMilliseconds(200), beforeCheckpoint: () =>
        {
            if (Volatile.Read(ref armed) == 1)
            {
                entered.Release();
                release.Wait(Hang);
            }
        });
        Volatile.Write(ref armed, 1);

        await WriteAsync(services);
        Assert.True(await entered.WaitAsync(Hang, Ct), "No checkpoint began after a write.");

        // The checkpoint thread is stuck (a disk that does not answer); writers go on without it.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await WriteAsync(services);
            }
        }, Ct))).WaitAsync(Hang, Ct);
        Assert.False(services.GetRequiredService<SqliteWriteGate>().IsHeld);
        Assert.Equal(201, await ScalarAsync(services, "SELECT COUNT(*) FROM filler"));

        // The WAL grows while the pass hangs: the instance says so.
        var health = services.GetRequiredService<HealthCheckService>();
        var checkpointer = services.GetRequiredService<SqliteCheckpointer>();
        await UntilAsync(() => checkpointer.Trouble is not null, () => "A pass that hangs was not reported.");
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(Ct)).Entries["durability"].Status);

        var before = checkpointer.Passes;
        Volatile.Write(ref armed, 0);
        release.Set();
        await UntilAsync(() => checkpointer.Passes > before, () => "The checkpoint thread did not go on once let go of.");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Entries["durability"].Status);
    }

    [Fact]
    public async Task AFailedCheckpoint_IsTriedAgain_AndTheWritesGoOn()
    {
        var failuresLeft = 0;
        var services = await StartAsync("00:00:00.010", beforeCheckpoint: () =>
        {
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                throw new IOException("The disk went away.");
            }
        });
        var checkpointer = services.GetRequiredService<SqliteCheckpointer>();
        var before = checkpointer.Passes;
        Volatile.Write(ref failuresLeft, 3);

        // One write, then none: the failed passes are tried again on their own (once a second), until one succeeds.
        await WriteAsync(services);
        await UntilAsync(() => checkpointer.Passes > before, () => $"No checkpoint succeeded after {checkpointer.Failures} failures.");
        Assert.Equal(3, checkpointer.Failures);
        Assert.Equal(0, checkpointer.FailedInARow);
        await WriteAsync(services);
    }

    [Fact]
    public async Task CheckpointsThatKeepFailing_ReportTheInstanceDegraded_UntilOneSucceeds()
    {
        var failing = 0;
        var services = await StartAsync("00:00:00.010", degradedAfter: TimeSpan.FromMilliseconds(200), beforeCheckpoint: () =>
        {
            if (Volatile.Read(ref failing) == 1)
            {
                throw new IOException("The disk went away.");
            }
        });
        var health = services.GetRequiredService<HealthCheckService>();
        var checkpointer = services.GetRequiredService<SqliteCheckpointer>();
        Volatile.Write(ref failing, 1);

        // One failure is not yet trouble; failing for longer than DegradedAfter is.
        await WriteAsync(services);
        await UntilAsync(() => checkpointer.FailedInARow >= 1, () => "No pass failed.");
        await UntilAsync(() => checkpointer.Trouble is not null, () => $"Passes failing for a while ({checkpointer.FailedInARow}) were not reported.");
        var degraded = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Degraded, degraded.Entries["durability"].Status);
        Assert.Contains("failed", degraded.Entries["durability"].Description, StringComparison.Ordinal);
        await WriteAsync(services);

        Volatile.Write(ref failing, 0);
        await UntilAsync(() => checkpointer.FailedInARow == 0, () => "No pass succeeded once the disk was back.");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Entries["durability"].Status);
    }

    [Fact]
    public async Task ACheckpointWhoseIoFailed_SuspendsTheWrites_AndNoPassRunsAfterIt()
    {
        // The pass's own fsync of the WAL failed: Linux reports such an error once, so the group commit's next fsync
        // could succeed without those frames on disk. Writes are refused from then on, as after a failed group fsync.
        const int SqliteIoErr = 10;
        const int SqliteIoErrFsync = SqliteIoErr | (4 << 8);
        var failed = 0;
        var armed = 0;
        var services = await StartAsync("00:00:00.010", durability: SqliteDurability.GroupFsync, beforeCheckpoint: () =>
        {
            // Passes during the start (its migrations are writes) succeed.
            if (Volatile.Read(ref armed) == 1)
            {
                Interlocked.Increment(ref failed);
                throw new SqliteException("disk I/O error", SqliteIoErr, SqliteIoErrFsync);
            }
        });
        var flusher = services.GetRequiredService<SqliteCommitFlusher>();
        Volatile.Write(ref armed, 1);

        // This write's own sync may come after the failure (and fail), or before it.
        var first = await Record.ExceptionAsync(() => WriteAsync(services));
        Assert.True(first is null or CommitNotDurableException or WritesSuspendedException, first?.ToString());
        await UntilAsync(() => flusher.IsBroken, () => "A checkpoint whose I/O failed left the writes going on.");

        // One thread runs the passes one after the other: any begun before the failing one has ended.
        var passesBefore = services.GetRequiredService<SqliteCheckpointer>().Passes;
        await Assert.ThrowsAsync<WritesSuspendedException>(() => WriteAsync(services));

        // The thread has stopped: no pass after the failure, writes or not.
        await Task.Delay(200, Ct);
        Assert.Equal(1, Volatile.Read(ref failed));
        Assert.Equal(passesBefore, services.GetRequiredService<SqliteCheckpointer>().Passes);
    }

    [Fact]
    public async Task AnotherIoError_IsTriedAgain_AndLeavesTheWritesAlone()
    {
        // A read or a lock that failed (a full disk growing the -shm file): nothing was reported synced that is not.
        const int SqliteIoErrRead = 10 | (1 << 8);
        var failuresLeft = 0;
        var services = await StartAsync("00:00:00.010", durability: SqliteDurability.GroupFsync, beforeCheckpoint: () =>
        {
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                throw new SqliteException("disk I/O error", 10, SqliteIoErrRead);
            }
        });
        var checkpointer = services.GetRequiredService<SqliteCheckpointer>();
        var before = checkpointer.Passes;
        Volatile.Write(ref failuresLeft, 1);

        await WriteAsync(services);
        await UntilAsync(() => checkpointer.Passes > before, () => "No pass succeeded after the I/O error.");
        Assert.False(services.GetRequiredService<SqliteCommitFlusher>().IsBroken);
        await WriteAsync(services);
    }

    [Fact]
    public async Task Off_LeavesTheCheckpointsToSqlite()
    {
        var services = await StartAsync("00:00:00");
        await using var keeper = await KeepOpenAsync();
        Assert.Equal(1000, await ScalarAsync(services, "PRAGMA wal_autocheckpoint"));
        var frames = await WalFramesAfterOnePageCommitsAsync(services, 1600);
        Assert.True(frames < 1200, $"The WAL holds {frames} frames: SQLite's own checkpoint did not start it again.");
        Assert.Equal(0, services.GetRequiredService<SqliteCheckpointer>().Passes);
    }

    [Fact]
    public async Task ALaterHostOfTheProcess_ConfiguresThePooledConnectionsAnew()
    {
        // Pooled connections outlive a host (tests, a restart in-process). One the first host's thread took over must
        // get SQLite's checkpoint back under a host that has it off, and be taken over again by the next one's thread.
        var first = await StartAsync("00:00:00.010");
        await WriteAsync(first);
        await first.DisposeAsync();

        // The same settings: only the host is new.
        var second = await StartAsync("00:00:00.010");
        Assert.Equal(0, await ScalarAsync(second, "PRAGMA wal_autocheckpoint"));
        var checkpointer = second.GetRequiredService<SqliteCheckpointer>();
        var before = checkpointer.Passes;
        await WriteAsync(second);
        await UntilAsync(() => checkpointer.Passes > before, () => "The later host's thread never took the file's checkpoints over.");
        await second.DisposeAsync();

        var off = await StartAsync("00:00:00");
        Assert.Equal(1000, await ScalarAsync(off, "PRAGMA wal_autocheckpoint"));
    }

    private static async Task UntilAsync(Func<bool> reached, Func<string> otherwise)
    {
        var deadline = DateTime.UtcNow + Hang;
        while (!reached())
        {
            Assert.True(DateTime.UtcNow < deadline, otherwise());
            await Task.Delay(10, Ct);
        }
    }
}
