using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Aiprod.Application.Abstractions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// Puts every write of one DbContext through the <see cref="SqliteWriteGate"/>: a transaction
/// (SaveChanges, migrations, an explicit one) holds it from BEGIN to COMMIT/ROLLBACK; a statement that writes
/// outside a transaction (ExecuteUpdate, ExecuteDelete, raw SQL) holds it around that statement. Whatever ends the
/// write releases it: commit, rollback, a transaction disposed without either (<see cref="SqliteGatedTransactionFactory"/>), a failed
/// BEGIN, a failed statement, the connection closing, the context going back to the pool (or being disposed).
/// One for the process, like the pooled contexts' options it is part of: what a context holds is the context's own
/// <see cref="SqliteWriteHold"/>, found through the event's context. Also sets, once per SQLite connection, the busy
/// timeout other processes' writers (a second instance, the migrator) are waited for with, and the
/// <c>synchronous</c> level of <see cref="DatabaseOptions.SqliteDurability"/>; with
/// <see cref="SqliteDurability.GroupFsync"/> a write that committed waits, after letting go of the gate, until the
/// <see cref="SqliteCommitFlusher"/> has synced the WAL. Connections of a file in WAL mode leave their checkpoints
/// to the <see cref="SqliteCheckpointer"/>.
/// </summary>
internal sealed class SqliteWriteGateInterceptor(SqliteWriteGate gate, SqliteCommitFlusher flusher, SqliteCheckpointer checkpointer, DatabaseOptions options)
    : IDbTransactionInterceptor, IDbCommandInterceptor, IDbConnectionInterceptor
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    // Pooled connections keep their SQLite handle, and with it their pragmas: set once per handle, not per open.
    private static readonly ConditionalWeakTable<object, ConnectionSettings> Configured = new();

    private static readonly ConditionalWeakTable<DbConnection, SqliteWriteHold> Contextless = new();

    private readonly string settingsKey = string.Create(CultureInfo.InvariantCulture, $"{(int)options.SqliteBusyTimeout.TotalMilliseconds}/{options.SqliteDurability}/{checkpointer.Instance}");

    // EF Core counts an open of the connection for the transaction before it asks here, and does not take it back
    // when a begin is refused (the gate's queue timeout, a caller gone while queued, writes suspended, a busy BEGIN):
    // the connection would then stay open past its user's close, and for the pooled context's later scopes too. So
    // a refused begin takes that open back itself, for every caller of BeginTransaction.
    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        var hold = HoldOf(eventData.Context);
        try
        {
            if (!hold.IsHeld)
            {
                RefuseIfNotDurable(hold);
                gate.Enter(options.SqliteWriteQueueTimeout, CancellationToken.None);
                RefuseIfNotDurableAtTheGate(hold);
                hold.HoldForTransaction(gate);
            }

            return Begin(connection, eventData, hold);
        }
        catch
        {
            eventData.Context!.Database.CloseConnection();
            throw;
        }
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        var hold = HoldOf(eventData.Context);
        try
        {
            if (!hold.IsHeld)
            {
                RefuseIfNotDurable(hold);
                await gate.EnterAsync(options.SqliteWriteQueueTimeout, cancellationToken);
                RefuseIfNotDurableAtTheGate(hold);
                hold.HoldForTransaction(gate);
            }

            return Begin(connection, eventData, hold);
        }
        catch
        {
            await eventData.Context!.Database.CloseConnectionAsync();
            throw;
        }
    }

    // Begun here rather than by EF Core so that a BEGIN that fails (a busy file another process holds) lets go of
    // the gate: EF Core reports no event for it. Microsoft.Data.Sqlite's BEGIN is synchronous either way.
    private static InterceptionResult<DbTransaction> Begin(DbConnection connection, TransactionStartingEventData eventData, SqliteWriteHold hold)
    {
        try
        {
            var transaction = connection.BeginTransaction(eventData.IsolationLevel);
            hold.Began(transaction);
            return InterceptionResult<DbTransaction>.SuppressWithResult(transaction);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            hold.Release();
            throw new StoreBusyException("Another process held the database's write lock for longer than the busy timeout.", ex);
        }
        catch
        {
            hold.Release();
            throw;
        }
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        var hold = HoldOf(eventData.Context);
        if (OwedOnDetach(hold, transaction))
        {
            return;
        }

        hold.ReleaseTransaction(transaction);
        WaitDurable(hold);
    }

    // The gate is let go first: the next writer commits while this one waits for the sync, and may share it.
    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var hold = HoldOf(eventData.Context);
        if (OwedOnDetach(hold, transaction))
        {
            return Task.CompletedTask;
        }

        hold.ReleaseTransaction(transaction);
        return WaitDurableAsync(hold);
    }

    // On the writer connection the gate stays held until the unit of work detaches it; waiting for the sync before
    // that would keep the next writer out for the whole fsync. The wait is owed, and paid after the detach
    // (SqliteWriterConnection).
    private static bool OwedOnDetach(SqliteWriteHold hold, DbTransaction transaction)
    {
        if (hold.AttachedWriter is null)
        {
            return false;
        }

        hold.ReleaseTransaction(transaction);
        hold.MarkCommitted();
        return true;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => HoldOf(eventData.Context).ReleaseTransaction(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        HoldOf(eventData.Context).ReleaseTransaction(transaction);
        return Task.CompletedTask;
    }

    // A failed COMMIT, or a failed statement in SaveChanges, leaves the transaction open until it is disposed (rolled
    // back): the gate is held until then, so no other writer meets the open lock (SqliteGatedTransactionFactory
    // reports the disposal to the context's hold).

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        EnterForStatement(HoldOf(eventData.Context, command), command);
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await EnterForStatementAsync(HoldOf(eventData.Context, command), command, cancellationToken);
        return result;
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        EndStatement(HoldOf(eventData.Context, command), command);
        return result;
    }

    public async ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await EndStatementAsync(HoldOf(eventData.Context, command), command);
        return result;
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        EnterForStatement(HoldOf(eventData.Context, command), command);
        return result;
    }

    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await EnterForStatementAsync(HoldOf(eventData.Context, command), command, cancellationToken);
        return result;
    }

    public object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        EndStatement(HoldOf(eventData.Context, command), command);
        return result;
    }

    public async ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        await EndStatementAsync(HoldOf(eventData.Context, command), command);
        return result;
    }

    // A statement that returns rows (INSERT … RETURNING) is not finished until its reader is: released when the
    // reader is disposed, which is also when it commits. EF Core reports the disposal synchronously only.
    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        EnterForStatement(HoldOf(eventData.Context, command), command);
        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await EnterForStatementAsync(HoldOf(eventData.Context, command), command, cancellationToken);
        return result;
    }

    public InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        EndStatement(HoldOf(eventData.Context, command), command);
        return result;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => FailStatement(HoldOf(eventData.Context, command), command, eventData.Exception);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        FailStatement(HoldOf(eventData.Context, command), command, eventData.Exception);
        return Task.CompletedTask;
    }

    // A write outside a transaction meets another process's lock in the statement itself (there is no BEGIN to
    // translate it): thrown from here, the translation replaces SQLite's error for every caller of the statement.
    // Inside a transaction the lock was taken by BEGIN IMMEDIATE, which is where a busy file is met.
    private static void FailStatement(SqliteWriteHold hold, DbCommand command, Exception exception)
    {
        if (hold.ReleaseStatement(command) && exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked })
        {
            throw new StoreBusyException("Another process held the database's write lock for longer than the busy timeout.", exception);
        }
    }

    public void CommandCanceled(DbCommand command, CommandEndEventData eventData) => HoldOf(eventData.Context, command).ReleaseStatement(command);

    public Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        HoldOf(eventData.Context, command).ReleaseStatement(command);
        return Task.CompletedTask;
    }

    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Configure(HoldOf(eventData.Context), connection);

    public Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Configure(HoldOf(eventData.Context), connection);
        return Task.CompletedTask;
    }

    // A transaction never outlives its connection: whatever was left open is rolled back by the close.
    public void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => HoldOf(eventData.Context).Release();

    public Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        HoldOf(eventData.Context).Release();
        return Task.CompletedTask;
    }

    // The interceptor is only ever added to a SqliteAiprodDbContext's options (SqliteWriteGateOptions), and EF Core
    // names the context in every event of a transaction or a connection (its RelationalConnection knows it).
    private static SqliteWriteHold HoldOf(DbContext? context) =>
        (context as SqliteAiprodDbContext)?.WriteHold
        ?? throw new InvalidOperationException("The SQLite writer gate runs only in a SqliteAiprodDbContext.");

    // A command's event may name no context ("null if not known"): such a statement still goes through the gate,
    // with a hold of its connection's own and the WAL that connection was configured with. It can never meet the
    // context's hold on the same connection: inside the context's transaction a command must name that transaction,
    // and then it does not take the gate.
    private static SqliteWriteHold HoldOf(DbContext? context, DbCommand command)
    {
        if (context is SqliteAiprodDbContext sqlite)
        {
            return sqlite.WriteHold;
        }

        var connection = command.Connection as SqliteConnection
            ?? throw new InvalidOperationException("A command without a SQLite connection reached the SQLite writer gate.");
        var hold = Contextless.GetValue(connection, static _ => new SqliteWriteHold());
        hold.WalToSync = connection.Handle is { } handle && Configured.TryGetValue(handle, out var settings) ? settings.WalToSync : null;
        return hold;
    }

    private void EnterForStatement(SqliteWriteHold hold, DbCommand command)
    {
        if (NeedsGate(hold, command))
        {
            RefuseIfNotDurable(hold);
            gate.Enter(options.SqliteWriteQueueTimeout, CancellationToken.None);
            RefuseIfNotDurableAtTheGate(hold);
            hold.HoldForStatement(gate, command);
        }
    }

    private async ValueTask EnterForStatementAsync(SqliteWriteHold hold, DbCommand command, CancellationToken cancellationToken)
    {
        if (NeedsGate(hold, command))
        {
            RefuseIfNotDurable(hold);
            await gate.EnterAsync(options.SqliteWriteQueueTimeout, cancellationToken);
            RefuseIfNotDurableAtTheGate(hold);
            hold.HoldForStatement(gate, command);
        }
    }

    private void EndStatement(SqliteWriteHold hold, DbCommand command)
    {
        if (hold.ReleaseStatement(command))
        {
            WaitDurable(hold);
        }
    }

    private async ValueTask EndStatementAsync(SqliteWriteHold hold, DbCommand command)
    {
        if (hold.ReleaseStatement(command))
        {
            await WaitDurableAsync(hold);
        }
    }

    // Inside a transaction the gate is already held. Outside one, every statement but a query may write.
    private static bool NeedsGate(SqliteWriteHold hold, DbCommand command) =>
        !hold.IsHeld && command.Transaction is null && !IsQuery(command.CommandText);

    private static bool IsQuery(string sql) =>
        sql.AsSpan().TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase);

    // Once an fsync failed no commit can be answered as durable: a write that began anyway would be applied and then
    // answered as a failure (a client retrying it would write it twice). Refused before the gate and BEGIN instead,
    // so it writes nothing.
    // A writer that queued at the gate before the sync failed is refused when it gets there, before BEGIN, like
    // one that came after; the gate it took goes to the next in the queue, which is refused the same way.
    private void RefuseIfNotDurableAtTheGate(SqliteWriteHold hold)
    {
        if (hold.WalToSync is not null && flusher.IsBroken)
        {
            gate.Exit();
            throw new WritesSuspendedException();
        }
    }

    private void RefuseIfNotDurable(SqliteWriteHold hold)
    {
        if (hold.WalToSync is not null && flusher.IsBroken)
        {
            throw new WritesSuspendedException();
        }
    }

    private Task WaitDurableAsync(SqliteWriteHold hold) => hold.WalToSync is { } wal ? flusher.WaitDurableAsync(wal) : Task.CompletedTask;

    private void WaitDurable(SqliteWriteHold hold)
    {
        if (hold.WalToSync is { } wal)
        {
            flusher.WaitDurableAsync(wal).GetAwaiter().GetResult();
        }
    }

    /// <summary>Whether <paramref name="connection"/>'s settings are final: false while the file is not yet in WAL mode
    /// where the durability wants it (its settings are looked at again on its next open).</summary>
    internal static bool IsConfiguredForGood(SqliteConnection connection) =>
        connection.Handle is { } handle && Configured.TryGetValue(handle, out _);

    private void Configure(SqliteWriteHold hold, DbConnection connection)
    {
        var sqlite = (SqliteConnection)connection;
        if (sqlite.Handle is not { } handle)
        {
            return;
        }

        if (!Configured.TryGetValue(handle, out var settings) || settings.Key != settingsKey)
        {
            settings = Apply(sqlite, settingsKey);
            if (settings.Final)
            {
                Configured.AddOrUpdate(handle, settings);
            }
        }

        hold.WalToSync = settings.WalToSync;
    }

    private ConnectionSettings Apply(SqliteConnection connection, string key)
    {
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(int)options.SqliteBusyTimeout.TotalMilliseconds};"));

        // SQLite's temporary tables and indices (a sort, a statement journal) in memory: on disk each was a file
        // created, unlinked and closed again under the write lock, several times a second per writer.
        Execute(connection, "PRAGMA temp_store=MEMORY;");

        // Until the migrator has switched the file to WAL, the connection is looked at again on its next open: NORMAL is
        // safe against power loss only with the WAL (a rollback journal may be left inconsistent), and there is no WAL
        // to checkpoint.
        using var mode = connection.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode;";
        var wal = string.Equals(mode.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase);
        // Set either way: a pooled connection may come from an earlier host of the process that took them over.
        Execute(connection, wal && checkpointer.Watch(connection) ? "PRAGMA wal_autocheckpoint=0;" : "PRAGMA wal_autocheckpoint=1000;");

        if (options.SqliteDurability == SqliteDurability.FsyncPerCommit)
        {
            Execute(connection, "PRAGMA synchronous=FULL;");
            return new ConnectionSettings(key, Final: wal, WalToSync: null);
        }

        if (!wal)
        {
            Execute(connection, "PRAGMA synchronous=FULL;");
            return new ConnectionSettings(key, Final: false, WalToSync: null);
        }

        Execute(connection, "PRAGMA synchronous=NORMAL;");
        return new ConnectionSettings(
            key,
            Final: true,
            WalToSync: options.SqliteDurability == SqliteDurability.GroupFsync && connection.DataSource is { Length: > 0 } file ? file + "-wal" : null);
    }

    /// <summary>Runs one statement that returns nothing (a PRAGMA) on <paramref name="connection"/>.</summary>
    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record ConnectionSettings(string Key, bool Final, string? WalToSync);
}
