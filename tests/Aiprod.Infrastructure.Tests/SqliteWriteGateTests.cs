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
/// The SQLite writer gate on a real database file: writers of one process queue on it instead of in SQLite's busy
/// loop, whatever ends a write lets go of it, and readers never wait for it.
/// </summary>
public sealed class SqliteWriteGateTests : IAsyncLifetime
{
    // Only a bound on a hang: a waiter that should give up or go on does so at once, one that is stuck never does.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-gate-").FullName;
    private ServiceProvider services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SqliteWriteGate Gate => services.GetRequiredService<SqliteWriteGate>();

    public async ValueTask InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataFolder:Path"] = folder }).Build();
        var collection = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddInfrastructure(configuration, folder);
        services = collection.BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.ExecuteSqlRawAsync("""
            CREATE TABLE gate_probe(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
            INSERT INTO gate_probe(id, n) VALUES (1, 0);
            CREATE TABLE gate_parent(id INTEGER PRIMARY KEY);
            CREATE TABLE gate_child(id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES gate_parent(id) DEFERRABLE INITIALLY DEFERRED);
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>A writer that holds a transaction open in its own scope until told to commit.</summary>
    private async Task<(AsyncServiceScope Scope, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction Transaction)> OpenWriterAsync()
    {
        var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var transaction = await db.Database.BeginTransactionAsync(Ct);
        await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct);
        return (scope, transaction);
    }

    private async Task<long> ProbeAsync()
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database
            .SqlQueryRaw<long>("SELECT n AS Value FROM gate_probe WHERE id = 1").SingleAsync(Ct);
    }

    [Fact]
    public async Task AStalledWriter_DoesNotBlockReaders()
    {
        var (scope, transaction) = await OpenWriterAsync();
        Assert.True(Gate.IsHeld);

        // Queries (tracked and raw) run beside the open write and see the last committed state.
        await using (var reader = services.CreateAsyncScope())
        {
            var db = reader.ServiceProvider.GetRequiredService<AiprodDbContext>();
            Assert.Equal(0, await db.Users.CountAsync(Ct).WaitAsync(Hang, Ct));
        }

        Assert.Equal(0, await ProbeAsync().WaitAsync(Hang, Ct));
        await transaction.CommitAsync(Ct);
        await scope.DisposeAsync();
        Assert.False(Gate.IsHeld);
        Assert.Equal(1, await ProbeAsync());
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("execute update")]
    [InlineData("raw sql")]
    [InlineData("save changes")]
    public async Task AWriterCancelledWhileWaiting_GivesUpAtOnce_AndTheNextOneGoesOn(string kind)
    {
        // SQLite's own busy loop would not notice the cancellation; a writer queued on the gate does.
        var (holder, holding) = await OpenWriterAsync();
        using var cancel = new CancellationTokenSource();
        await using var waiterScope = services.CreateAsyncScope();
        var db = waiterScope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        Task waiting = kind switch
        {
            "transaction" => db.Database.BeginTransactionAsync(cancel.Token),
            "execute update" => db.Users.Where(u => u.FailedLoginCount > 1000).ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedLoginCount, 0), cancel.Token),
            "raw sql" => db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 100 WHERE id = 1", cancel.Token),
            _ => AddAuditAndSaveAsync(db, cancel.Token),
        };
        await Task.Delay(50, Ct);
        Assert.False(waiting.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Hang, Ct));

        await holding.CommitAsync(Ct);
        await holder.DisposeAsync();
        Assert.False(Gate.IsHeld);
        await using var next = services.CreateAsyncScope();
        var nextDb = next.ServiceProvider.GetRequiredService<AiprodDbContext>();
        await nextDb.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct).WaitAsync(Hang, Ct);
        Assert.Equal(2, await ProbeAsync());
    }

    [Fact]
    public async Task AnOlderTransactionDisposedLate_DoesNotReleaseTheHoldOfANewerOne()
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var older = await db.Database.BeginTransactionAsync(Ct);
        await older.CommitAsync(Ct);
        await using var newer = await db.Database.BeginTransactionAsync(Ct);
        await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct);

        await older.DisposeAsync();

        Assert.True(Gate.IsHeld);
        await using var other = services.CreateAsyncScope();
        var waiting = other.ServiceProvider.GetRequiredService<AiprodDbContext>().Database
            .ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 10 WHERE id = 1", Ct);
        await Task.Delay(50, Ct);
        Assert.False(waiting.IsCompleted);
        await newer.CommitAsync(Ct);
        await waiting.WaitAsync(Hang, Ct);
        Assert.Equal(11, await ProbeAsync());
    }

    private static Task<int> AddAuditAndSaveAsync(AiprodDbContext db, CancellationToken cancellationToken)
    {
        db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "test.gate", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));
        return db.SaveChangesAsync(cancellationToken);
    }

    [Fact]
    public async Task AStatementThatFailsInATransaction_ReleasesTheGate_WhenTheTransactionIsDisposed()
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            await Assert.ThrowsAsync<SqliteException>(() => db.Database.ExecuteSqlRawAsync("INSERT INTO gate_probe(id, n) VALUES (1, 0)", Ct));
            Assert.True(Gate.IsHeld);
            await transaction.DisposeAsync();
            // The scope's connection is still open (the transaction opened it): the gate must not wait for the scope.
            Assert.False(Gate.IsHeld);
        }

        await WriteOnceAsync();
    }

    [Fact]
    public async Task AStatementThatFailsOutsideATransaction_ReleasesTheGate()
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            await db.Database.OpenConnectionAsync(Ct);
            await Assert.ThrowsAsync<SqliteException>(() => db.Database.ExecuteSqlRawAsync("INSERT INTO gate_probe(id, n) VALUES (1, 0)", Ct));
            Assert.False(Gate.IsHeld);
        }

        await WriteOnceAsync();
    }

    [Fact]
    public async Task AFailingCommit_ReleasesTheGate()
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            var transaction = await db.Database.BeginTransactionAsync(Ct);
            // A deferred foreign key is checked at COMMIT: the statement succeeds, the commit fails.
            await db.Database.ExecuteSqlRawAsync("INSERT INTO gate_child(id, parent_id) VALUES (1, 42)", Ct);
            var failed = await Assert.ThrowsAsync<SqliteException>(() => transaction.CommitAsync(Ct));
            Assert.Equal(19, failed.SqliteErrorCode);
            await transaction.DisposeAsync();
            Assert.False(Gate.IsHeld);
        }

        await WriteOnceAsync();
    }

    [Fact]
    public async Task AFailingSaveChanges_ReleasesTheGate()
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            await db.Database.OpenConnectionAsync(Ct);
            db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "test.gate", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));
            db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, "test.refused", ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null));
            await db.Database.ExecuteSqlRawAsync("CREATE TRIGGER refuse_x BEFORE INSERT ON audit_events WHEN NEW.\"EventType\" = 'test.refused' BEGIN SELECT RAISE(ABORT, 'refused'); END;", Ct);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Ct));
            // The connection stays open (opened by the caller): the failed transaction must not keep the gate.
            Assert.False(Gate.IsHeld);
        }

        await WriteOnceAsync();
    }

    [Fact]
    public async Task AScopeThatEndsInsideATransaction_LetsGoOfTheGate_AndItsPooledContextStartsFree()
    {
        AiprodDbContext first;
        await using (var scope = services.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            // Neither committed nor disposed: the pool takes the context back with its transaction open.
            await first.Database.BeginTransactionAsync(Ct);
            await first.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct);
            Assert.True(Gate.IsHeld);
        }

        Assert.False(Gate.IsHeld);
        await using var next = services.CreateAsyncScope();
        var again = next.ServiceProvider.GetRequiredService<AiprodDbContext>();
        Assert.Same(first, again);
        Assert.Null(again.Database.CurrentTransaction);
        Assert.Equal(0, await again.Database.SqlQueryRaw<long>("SELECT n AS Value FROM gate_probe WHERE id = 1").SingleAsync(Ct));
        await again.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct).WaitAsync(Hang, Ct);
        Assert.False(Gate.IsHeld);
        Assert.Equal(1, await ProbeAsync());
    }

    [Fact]
    public async Task AUseCase_SharesOneConnection_AndLetsItGo_EvenWhenItsWriteWasRefusedAtTheGate_AsDoesADirectBegin()
    {
        // Several rounds on the same pooled context: a refused begin must not leave the connection open for the
        // context's next scopes (EF Core counts the begin's open and does not take it back when the begin throws).
        var (holder, holding) = await OpenWriterAsync();
        AiprodDbContext? pooled = null;
        for (var round = 0; round < 5; round++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            Assert.True(pooled is null || ReferenceEquals(pooled, db), "The pool handed out another context.");
            pooled = db;
            var unitOfWork = scope.ServiceProvider.GetRequiredService<IUnitOfWork>();
            await unitOfWork.StartAsync(Ct);
            Assert.Equal(System.Data.ConnectionState.Open, db.Database.GetDbConnection().State);

            // A nested use case ends inside the outer one: the connection stays for the outer one's statements.
            await unitOfWork.StartAsync(Ct);
            await unitOfWork.EndAsync();
            Assert.Equal(System.Data.ConnectionState.Open, db.Database.GetDbConnection().State);
            Assert.Equal(0, await db.Users.CountAsync(Ct));

            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => unitOfWork.BeginWriteAsync(cancel.Token).WaitAsync(Hang, Ct));
            await unitOfWork.AbandonAsync();
            await unitOfWork.EndAsync();
            Assert.Equal(System.Data.ConnectionState.Closed, db.Database.GetDbConnection().State);

            // A query of its own afterwards opens and closes the connection around itself again.
            Assert.Equal(0, await db.Users.CountAsync(Ct));
            Assert.Equal(System.Data.ConnectionState.Closed, db.Database.GetDbConnection().State);

            // The same for a transaction begun directly (the audit sealer, the webhook dispatcher), outside a use case.
            using var direct = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.Database.BeginTransactionAsync(direct.Token).WaitAsync(Hang, Ct));
            Assert.Equal(System.Data.ConnectionState.Closed, db.Database.GetDbConnection().State);
            Assert.Equal(0, await db.Users.CountAsync(Ct));
            Assert.Equal(System.Data.ConnectionState.Closed, db.Database.GetDbConnection().State);
        }

        await holding.CommitAsync(Ct);
        await holder.DisposeAsync();
        Assert.False(Gate.IsHeld);
    }

    [Fact]
    public async Task AScopeThatEndsInsideAWritingStatement_LetsGoOfTheGate()
    {
        // A statement that writes outside a transaction holds the gate until its reader is disposed; a scope that
        // ends first leaves the reader to the pool's reset, which closes the connection without telling the
        // interceptor: the context's hold must be let go of there.
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            var rows = db.Database.SqlQueryRaw<long>("UPDATE gate_probe SET n = n + 1 WHERE id = 1 RETURNING n AS Value").AsAsyncEnumerable().GetAsyncEnumerator(Ct);
            Assert.True(await rows.MoveNextAsync());
            Assert.True(Gate.IsHeld);
        }

        Assert.False(Gate.IsHeld);
        await WriteOnceAsync();
    }

    [Fact]
    public async Task ManyScopes_SomeEndingWhileHoldingTheGate_OnPooledContexts_NeverLeaveItHeld()
    {
        const int Actors = 8;
        const int Rounds = 25;
        long committed = 0;
        long abandonedStatements = 0;
        await Task.WhenAll(Enumerable.Range(0, Actors).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
                switch ((a + i) % 4)
                {
                    case 0:
                        await using (var transaction = await db.Database.BeginTransactionAsync(Ct))
                        {
                            await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct);
                            await transaction.CommitAsync(Ct);
                        }

                        Interlocked.Increment(ref committed);
                        break;
                    case 1:
                        // Left open: rolled back when the pool takes the context back.
                        await db.Database.BeginTransactionAsync(Ct);
                        await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct);
                        break;
                    case 2:
                        var rows = db.Database.SqlQueryRaw<long>("UPDATE gate_probe SET n = n + 1 WHERE id = 1 RETURNING n AS Value").AsAsyncEnumerable().GetAsyncEnumerator(Ct);
                        await rows.MoveNextAsync();
                        Interlocked.Increment(ref abandonedStatements);
                        break;
                    default:
                        await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct);
                        Interlocked.Increment(ref committed);
                        break;
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.False(Gate.IsHeld);
        // An abandoned RETURNING statement has made its change when its first row is read; whether SQLite keeps it
        // when the pool closes the connection under it is SQLite's business. Abandoned transactions never count.
        Assert.InRange(await ProbeAsync(), committed, committed + abandonedStatements);
        await WriteOnceAsync();
    }

    private async Task WriteOnceAsync()
    {
        await using var next = services.CreateAsyncScope();
        await next.ServiceProvider.GetRequiredService<AiprodDbContext>().Database
            .ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", Ct).WaitAsync(Hang, Ct);
        Assert.False(Gate.IsHeld);
    }

    [Fact]
    public async Task ManyWriters_SomeCancelledSomeFailing_AllOthersCommit_AndTheGateIsFreeAtTheEnd()
    {
        const int Writers = 24;
        const int Rounds = 15;
        long committed = 0;
        var unexpected = new List<Exception>();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                var kind = (w + i) % 5;
                using var cancel = new CancellationTokenSource();
                if (kind == 3)
                {
                    cancel.CancelAfter(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5)));
                }

                try
                {
                    await using var scope = services.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
                    switch (kind)
                    {
                        case 0 or 3:
                            await using (var transaction = await db.Database.BeginTransactionAsync(cancel.Token))
                            {
                                await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", cancel.Token);
                                await transaction.CommitAsync(cancel.Token);
                            }

                            break;
                        case 1:
                            await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", cancel.Token);
                            break;
                        case 2:
                            await AddAuditAndSaveAsync(db, cancel.Token);
                            await db.Database.ExecuteSqlRawAsync("UPDATE gate_probe SET n = n + 1 WHERE id = 1", cancel.Token);
                            break;
                        default:
                            await using (var transaction = await db.Database.BeginTransactionAsync(cancel.Token))
                            {
                                await db.Database.ExecuteSqlRawAsync("INSERT INTO gate_child(id, parent_id) VALUES (NULL, -1)", cancel.Token);
                                await Assert.ThrowsAsync<SqliteException>(() => transaction.CommitAsync(cancel.Token));
                            }

                            continue;
                    }

                    Interlocked.Increment(ref committed);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    lock (unexpected)
                    {
                        unexpected.Add(ex);
                    }
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.Empty(unexpected);
        Assert.False(Gate.IsHeld);
        // A cancellation may land after the commit: the count read back is at least what answered.
        Assert.InRange(await ProbeAsync(), committed, Writers * Rounds);
        await WriteOnceAsync();
    }
}
