using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// Group commit on a real SQLite file: with the default durability a write is not reported committed before an fsync
/// of the WAL that began after its commit has returned, the write lock is free meanwhile, and commits that wait at
/// once share a sync. The fsync itself is replaced by a sync the test holds and lets go.
/// </summary>
public sealed class SqliteDurabilityTests : IAsyncDisposable
{
    // Only a bound on a hang: what should happen happens at once.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    /// <summary>Every way of writing that <see cref="WriteAsync"/> knows.</summary>
    private static readonly string[] WriteKinds = ["save changes", "transaction", "execute update", "raw sql", "unit of work", "unit of work begun early"];

    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-durability-").FullName;
    private readonly HeldSync sync = new();
    private ServiceProvider? services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ServiceProvider> StartAsync(SqliteDurability? durability = null)
    {
        var settings = new Dictionary<string, string?> { ["DataFolder:Path"] = folder };
        if (durability is { } d)
        {
            settings["Database:SqliteDurability"] = d.ToString();
        }

        var collection = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton<ISqliteWalSync>(sync);
        collection.AddInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), folder);
        services = collection.BuildServiceProvider();
        sync.Open = true;
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.ExecuteSqlRawAsync(
                "CREATE TABLE probe(id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO probe(id, n) VALUES (1, 0);", Ct);
        }

        sync.Reset();
        return services;
    }

    public async ValueTask DisposeAsync()
    {
        sync.Open = true;
        sync.Release();
        if (services is not null)
        {
            await services.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private static Task WriteAsync(IServiceProvider services, string kind) => Task.Run(async () =>
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        switch (kind)
        {
            case "save changes":
                db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "test.durable", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));
                db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "test.durable", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));
                await db.SaveChangesAsync(Ct);
                break;
            case "transaction":
                await using (var transaction = await db.Database.BeginTransactionAsync(Ct))
                {
                    await db.Database.ExecuteSqlRawAsync("UPDATE probe SET n = n + 1 WHERE id = 1", Ct);
                    await transaction.CommitAsync(Ct);
                }

                break;
            case "execute update":
                await db.Users.Where(u => u.FailedLoginCount > 1000).ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedLoginCount, 0), Ct);
                break;
            case "unit of work" or "unit of work begun early":
                // On the writer connection, which keeps the gate until it is detached: the sync is waited for after.
                var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
                await unitOfWork.StartAsync(Ct);
                try
                {
                    if (kind == "unit of work begun early")
                    {
                        await unitOfWork.BeginWriteAsync(Ct);
                        await db.Database.ExecuteSqlRawAsync("UPDATE probe SET n = n + 1 WHERE id = 1", Ct);
                    }

                    db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "test.durable", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));
                    await unitOfWork.SaveChangesAsync(Ct);
                }
                finally
                {
                    await unitOfWork.AbandonAsync();
                    await unitOfWork.EndAsync();
                }

                break;
            default:
                await db.Database.ExecuteSqlRawAsync("UPDATE probe SET n = n + 1 WHERE id = 1", Ct);
                break;
        }
    });

    private static async Task<long> SynchronousLevelAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database
            .SqlQueryRaw<long>("SELECT synchronous AS Value FROM pragma_synchronous").SingleAsync(Ct);
    }

    [Theory]
    [InlineData("save changes")]
    [InlineData("transaction")]
    [InlineData("execute update")]
    [InlineData("raw sql")]
    [InlineData("unit of work")]
    [InlineData("unit of work begun early")]
    public async Task AWrite_IsNotReportedBeforeTheWalIsSynced_AndTheWriteLockIsFreeMeanwhile(string kind)
    {
        var services = await StartAsync();
        var write = WriteAsync(services, kind);

        await sync.EnteredAsync();
        Assert.False(write.IsCompleted);
        Assert.False(services.GetRequiredService<SqliteWriteGate>().IsHeld);

        sync.Open = true;
        sync.Release();
        await write.WaitAsync(Hang, Ct);
        Assert.Equal(folder + Path.DirectorySeparatorChar + "aiprod.db-wal", Assert.Single(sync.Paths.Distinct()));
    }

    [Fact]
    public async Task APooledContext_WhoseConnectionAScopeLeftOpen_StillWaitsForTheSync()
    {
        // A scope that opens its context's connection itself and ends without closing it hands the pool a context
        // whose connection may stay open: the next scope to rent it never sees the connection open again, so what
        // its writes must wait for cannot be learned then.
        var services = await StartAsync();
        AiprodDbContext first;
        await using (var scope = services.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            await first.Database.OpenConnectionAsync(Ct);
        }

        var write = Task.Run(async () =>
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            Assert.Same(first, db);
            await db.Database.ExecuteSqlRawAsync("UPDATE probe SET n = n + 1 WHERE id = 1", Ct);
        }, Ct);

        await sync.EnteredAsync();
        Assert.False(write.IsCompleted);
        sync.Open = true;
        sync.Release();
        await write.WaitAsync(Hang, Ct);
    }

    [Fact]
    public async Task ACommitMadeWhileASyncRuns_WaitsForTheNextSync()
    {
        var flusher = new SqliteCommitFlusher(sync, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteCommitFlusher>.Instance);
        var first = flusher.WaitDurableAsync("a-wal");
        await sync.EnteredAsync();

        // This commit came after the running sync began, which may have missed its frames.
        var second = flusher.WaitDurableAsync("a-wal");
        var third = flusher.WaitDurableAsync("a-wal");
        sync.Release();
        await first.WaitAsync(Hang, Ct);
        await sync.EnteredAsync();
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        // ... and the two that waited together share one sync.
        sync.Release();
        await Task.WhenAll(second, third).WaitAsync(Hang, Ct);
        Assert.Equal(2, sync.Paths.Count);
    }

    [Fact]
    public async Task ManyWritersSyncingForAWhile_ShareOneSyncThread_AndEachIsAnswered()
    {
        // A thread started for every sync cost more CPU under load than the syncs: one thread serves a busy period.
        sync.Open = true;
        var flusher = new SqliteCommitFlusher(sync, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteCommitFlusher>.Instance);
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                var begunBefore = sync.Begun;
                await flusher.WaitDurableAsync(w % 2 == 0 ? "a-wal" : "b-wal").WaitAsync(Hang, Ct);
                Assert.True(sync.Finished > begunBefore, "A commit was answered before a sync that began after it had finished.");
            }
        }, Ct));
        await Task.WhenAll(writers).WaitAsync(Hang, Ct);

        Assert.Equal(1, flusher.ThreadsStarted);
        Assert.Equal(0, flusher.Waiting);
    }

    [Fact]
    public async Task ACommitThatComesAsTheIdleSyncThreadEnds_IsStillSynced()
    {
        // The thread ends after IdleThreadLifetime without a commit. A commit that comes in the instant its wait runs
        // out, before it decides to end, must still be synced: by this thread, which then stays.
        sync.Open = true;
        Task? atTheEnd = null;
        var rounds = 0;
        SqliteCommitFlusher? flusher = null;
        flusher = new SqliteCommitFlusher(sync, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteCommitFlusher>.Instance)
        {
            IdleThreadLifetime = TimeSpan.FromMilliseconds(20),
            IdleWaitRanOut = () =>
            {
                // Under the flusher's lock, on its thread (the lock is re-entrant): exactly the moment of the race.
                if (Interlocked.Increment(ref rounds) == 1)
                {
                    atTheEnd = flusher!.WaitDurableAsync("a-wal");
                }
            },
        };
        await flusher.WaitDurableAsync("a-wal").WaitAsync(Hang, Ct);
        var synced = sync.Paths.Count;
        Task? racing;
        while ((racing = Volatile.Read(ref atTheEnd)) is null)
        {
            await Task.Delay(5, Ct);
        }

        await racing.WaitAsync(Hang, Ct);
        Assert.True(sync.Paths.Count > synced, "The commit was answered without a sync after it.");
        Assert.Equal(1, flusher.ThreadsStarted);

        // Idle for longer than the lifetime with nothing coming: the thread ended, and the next commit starts another.
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        await flusher.WaitDurableAsync("a-wal").WaitAsync(Hang, Ct);
        Assert.Equal(2, flusher.ThreadsStarted);
    }

    [Fact]
    public async Task AFailedSync_FailsTheWrite_AndEveryLaterOne_AndFreesTheWriteLock()
    {
        var services = await StartAsync();
        sync.Failure = new IOException("disk gone");
        sync.Open = true;
        var failed = await Assert.ThrowsAsync<CommitNotDurableException>(() => WriteAsync(services, "transaction").WaitAsync(Hang, Ct));
        Assert.Same(sync.Failure, failed.InnerException);
        Assert.False(services.GetRequiredService<SqliteWriteGate>().IsHeld);

        // The next fsync may well succeed (Linux reports a write-back error once and marks the pages clean), but
        // the frames after the lost ones are not durable either: nothing is answered as durable any more.
        // Later writes are refused before they begin, so they write nothing.
        sync.Failure = null;
        await Assert.ThrowsAsync<WritesSuspendedException>(() => WriteAsync(services, "raw sql").WaitAsync(Hang, Ct));
        await Assert.ThrowsAsync<WritesSuspendedException>(() => WriteAsync(services, "transaction").WaitAsync(Hang, Ct));
        await Assert.ThrowsAsync<WritesSuspendedException>(() => WriteAsync(services, "unit of work begun early").WaitAsync(Hang, Ct));
        await Assert.ThrowsAsync<WritesSuspendedException>(() => WriteAsync(services, "unit of work").WaitAsync(Hang, Ct));
        Assert.False(services.GetRequiredService<SqliteWriteGate>().IsHeld);
        var health = await services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().CheckHealthAsync(Ct);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, health.Entries["durability"].Status);
    }

    [Fact]
    public async Task AfterAFailedSync_ManyConcurrentWriters_AreEachRefusedBeforeTheyWrite_AndNoneHangs()
    {
        var services = await StartAsync();
        var first = WriteAsync(services, "transaction");
        await sync.EnteredAsync();
        sync.Failure = new IOException("disk gone");
        sync.Open = true;
        sync.Release();
        await Assert.ThrowsAsync<CommitNotDurableException>(() => first.WaitAsync(Hang, Ct));

        // Every kind of write, at once, while the disk still fails: none may commit a row it then answers as failed.
        var writers = Enumerable.Range(0, 18).Select(i => WriteAsync(services, WriteKinds[i % WriteKinds.Length])).ToList();
        foreach (var writer in writers)
        {
            await Assert.ThrowsAsync<WritesSuspendedException>(() => writer.WaitAsync(Hang, Ct));
        }

        Assert.False(services.GetRequiredService<SqliteWriteGate>().IsHeld);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        Assert.Equal(1, await db.Database.SqlQueryRaw<long>("SELECT n AS Value FROM probe WHERE id = 1").SingleAsync(Ct));
        Assert.Equal(0, await db.AuditEvents.CountAsync(Ct));
        Assert.Single(sync.Paths);
    }

    [Fact]
    public async Task AKeyUsageIncrementWhoseSyncFailed_IsNotWrittenAgain()
    {
        var services = await StartAsync();
        sync.Open = true;
        Aiprod.Domain.Users.Email.TryCreate("ann@example.com", out var email);
        var user = Aiprod.Domain.Users.User.Register(email, null, "hash", DateTimeOffset.UtcNow);
        var key = Aiprod.Domain.ApiKeys.ApiKey.Issue(user.Id, "ci", [Aiprod.Domain.ApiKeys.ApiKeyScope.JobsRead], "h", "p", DateTimeOffset.UtcNow, TimeSpan.FromDays(9));
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            db.Users.Add(user);
            db.ApiKeys.Add(key);
            await db.SaveChangesAsync(Ct);
        }

        var usage = services.GetRequiredService<Aiprod.Infrastructure.ApiKeys.ApiKeyUsageRecorder>();
        usage.Record(key.Id, DateTimeOffset.UtcNow);
        var flusher = new Aiprod.Infrastructure.ApiKeys.ApiKeyUsageFlusher(
            usage, services.GetRequiredService<Aiprod.Infrastructure.ApiKeys.ApiKeyFailureAudit>(), services.GetRequiredService<IServiceScopeFactory>(),
            services.GetRequiredService<Aiprod.Infrastructure.ApiKeys.ApiKeyUsageOptions>(), TimeProvider.System, null!,
            services.GetRequiredService<ILogger<Aiprod.Infrastructure.ApiKeys.ApiKeyUsageFlusher>>());

        // The increment commits, then its fsync fails: applied, only not known to be durable.
        sync.Failure = new IOException("disk gone");
        await flusher.FlushAsync(Ct);
        sync.Failure = null;
        await flusher.FlushAsync(Ct);

        await using var check = services.CreateAsyncScope();
        Assert.Equal(1, await check.ServiceProvider.GetRequiredService<AiprodDbContext>().ApiKeys.Select(k => k.UsageCount).SingleAsync(Ct));
    }

    [Fact]
    public async Task ASaveChangesOfOneStatement_DoesNotHoldItsThreadWhileTheSyncRuns()
    {
        var services = await StartAsync();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "probe.written", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));

        // The sync is held until the caller's thread is back: an awaited wait hands back a pending task at once;
        // a blocking one (sync over async) keeps the thread until the sync ends, which here never comes first.
        Task<int>? pending = null;
        var caller = new Thread(() => pending = db.SaveChangesAsync(CancellationToken.None));
        caller.Start();
        await sync.EnteredAsync();
        var returned = caller.Join(Hang);
        sync.Open = true;
        sync.Release();
        caller.Join();
        Assert.True(returned, "SaveChangesAsync held its calling thread while the WAL's fsync ran.");
        Assert.Equal(1, await pending!.WaitAsync(Hang, Ct));
    }

    [Fact]
    public async Task WritersQueuedAtTheGate_WhenASyncFails_AreRefusedWhenTheyGetThere_AndWriteNothing()
    {
        var services = await StartAsync();
        var gate = services.GetRequiredService<SqliteWriteGate>();
        var first = WriteAsync(services, "transaction");
        await sync.EnteredAsync();

        // While the first commit's sync runs, one writer holds the gate in a transaction and six queue behind it.
        await using var holderScope = services.CreateAsyncScope();
        var holder = holderScope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var transaction = await holder.Database.BeginTransactionAsync(Ct);
        await holder.Database.ExecuteSqlRawAsync("UPDATE probe SET n = n + 1 WHERE id = 1", Ct);
        var queued = Enumerable.Range(0, 12).Select(i => WriteAsync(services, WriteKinds[i % WriteKinds.Length])).ToList();
        await UntilAsync(() => gate.Waiting >= queued.Count, () => $"Only {gate.Waiting} writers queued at the gate.");

        sync.Failure = new IOException("disk gone");
        sync.Open = true;
        sync.Release();
        await Assert.ThrowsAsync<CommitNotDurableException>(() => first.WaitAsync(Hang, Ct));

        // The holder began before the failure was known: its commit is applied and answered as not durable.
        await Assert.ThrowsAsync<CommitNotDurableException>(() => transaction.CommitAsync(Ct).WaitAsync(Hang, Ct));
        foreach (var writer in queued)
        {
            await Assert.ThrowsAsync<WritesSuspendedException>(() => writer.WaitAsync(Hang, Ct));
        }

        Assert.False(gate.IsHeld);
        Assert.Equal(2, await ProbeAsync(services));
        await using var scope = services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().AuditEvents.CountAsync(Ct));
    }

    [Fact]
    public async Task GroupFsync_RunsTheConnectionsAtNormal_AndCommitsMadeDuringOneSync_ShareTheNextOne()
    {
        var services = await StartAsync();
        Assert.Equal(1, await SynchronousLevelAsync(services));

        var first = WriteAsync(services, "transaction");
        await sync.EnteredAsync();

        // While the first commit's sync is held, every other writer commits (the write lock is free meanwhile) and
        // waits: one more sync makes all of them durable.
        const int Writers = 15;
        var others = Enumerable.Range(0, Writers).Select(i => WriteAsync(services, i % 2 == 0 ? "transaction" : "raw sql")).ToList();
        // Every one has committed and is waiting for the next sync (a row visible to a read is not yet a waiter).
        var flusher = services.GetRequiredService<SqliteCommitFlusher>();
        await UntilAsync(() => flusher.Waiting >= Writers, () => $"Only {flusher.Waiting} writers committed while a sync ran.");

        Assert.Equal(1 + Writers, await ProbeAsync(services));

        Assert.All(others, w => Assert.False(w.IsCompleted, "A write was answered before its commit was synced."));
        sync.Open = true;
        sync.Release();
        await Task.WhenAll(others.Append(first)).WaitAsync(Hang, Ct);
        Assert.Equal(2, sync.Paths.Count);
    }

    /// <summary>Waits until the writers reach a state on their own threads; bounded, so one that never comes fails.</summary>
    private static async Task UntilAsync(Func<bool> reached, Func<string> otherwise)
    {
        var deadline = DateTime.UtcNow + Hang;
        while (!reached())
        {
            Assert.True(DateTime.UtcNow < deadline, otherwise());
            await Task.Delay(10, Ct);
        }
    }

    private static async Task<long> ProbeAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database
            .SqlQueryRaw<long>("SELECT n AS Value FROM probe WHERE id = 1").SingleAsync(Ct);
    }

    [Fact]
    public async Task FsyncPerCommit_LeavesTheSyncToSqlite()
    {
        var services = await StartAsync(SqliteDurability.FsyncPerCommit);
        Assert.Equal(2, await SynchronousLevelAsync(services));
        await WriteAsync(services, "transaction").WaitAsync(Hang, Ct);
        Assert.Empty(sync.Paths);
    }

    [Fact]
    public async Task NoFsync_RunsAtNormal_AndDoesNotWait()
    {
        var services = await StartAsync(SqliteDurability.NoFsync);
        Assert.Equal(1, await SynchronousLevelAsync(services));
        await WriteAsync(services, "transaction").WaitAsync(Hang, Ct);
        Assert.Empty(sync.Paths);
    }

    /// <summary>A WAL sync that records its calls and, unless open, blocks each one until the test releases it.</summary>
    private sealed class HeldSync : ISqliteWalSync
    {
        private readonly SemaphoreSlim entered = new(0);
        private readonly SemaphoreSlim release = new(0);
        private readonly List<string> paths = [];

        public volatile bool Open;

        public Exception? Failure { get; set; }

        public IReadOnlyList<string> Paths
        {
            get
            {
                lock (paths)
                {
                    return [.. paths];
                }
            }
        }

        /// <summary>Waits until a sync has begun (the next one not waited for yet).</summary>
        public async Task EnteredAsync() => Assert.True(await entered.WaitAsync(Hang, Ct), "No WAL sync began.");

        public void Reset()
        {
            lock (paths)
            {
                paths.Clear();
            }

            while (entered.Wait(0))
            {
            }

            Open = false;
        }

        public void Release() => release.Release();

        private int begun;
        private int finished;

        /// <summary>Syncs begun so far.</summary>
        public int Begun => Volatile.Read(ref begun);

        /// <summary>Syncs that returned (successfully) so far; syncs run one at a time, in the order they began.</summary>
        public int Finished => Volatile.Read(ref finished);

        public void Sync(string walPath)
        {
            lock (paths)
            {
                paths.Add(walPath);
            }

            Interlocked.Increment(ref begun);
            try
            {
                SyncHeld();
            }
            finally
            {
                if (Failure is null)
                {
                    Interlocked.Increment(ref finished);
                }
            }
        }

        private void SyncHeld()
        {
            entered.Release();
            if (!Open)
            {
                release.Wait(Hang);
            }

            if (Failure is { } failure)
            {
                throw failure;
            }
        }
    }
}
