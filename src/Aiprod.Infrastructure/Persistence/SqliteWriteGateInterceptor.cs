using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Aiprod.Application.Abstractions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// Puts every write of one DbContext (one DI scope) through the <see cref="SqliteWriteGate"/>: a transaction
/// (SaveChanges, migrations, an explicit one) holds it from BEGIN to COMMIT/ROLLBACK; a statement that writes
/// outside a transaction (ExecuteUpdate, ExecuteDelete, raw SQL) holds it around that statement. Whatever ends the
/// write releases it: commit, rollback, a transaction disposed without either (<see cref="SqliteGatedTransactionFactory"/>), a failed
/// BEGIN, a failed statement, the connection closing, the scope ending.
/// Scoped, since what it holds belongs to the scope's one connection. Also sets, once per SQLite connection, the busy
/// timeout other processes' writers (a second instance, the migrator) are waited for with, and the
/// <c>synchronous</c> level of <see cref="DatabaseOptions.SqliteDurability"/>; with
/// <see cref="SqliteDurability.GroupFsync"/> a write that committed waits, after letting go of the gate, until the
/// <see cref="SqliteCommitFlusher"/> has synced the WAL.
/// </summary>
internal sealed class SqliteWriteGateInterceptor(SqliteWriteGate gate, SqliteCommitFlusher flusher, DatabaseOptions options)
    : IDbTransactionInterceptor, IDbCommandInterceptor, IDbConnectionInterceptor, IDisposable
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    // Pooled connections keep their SQLite handle, and with it their pragmas: set once per handle, not per open.
    private static readonly ConditionalWeakTable<object, ConnectionSettings> Configured = new();

    private Hold hold;
    private DbCommand? gatedCommand;
    private DbTransaction? gatedTransaction;

    // The WAL this scope's connection must have synced before a commit of it is reported; null when SQLite syncs
    // in the COMMIT itself (or nothing is to be synced).
    private string? walToSync;

    private enum Hold
    {
        None,
        Transaction,
        Statement,
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        if (hold == Hold.None)
        {
            RefuseIfNotDurable();
            gate.Enter(options.SqliteWriteQueueTimeout, CancellationToken.None);
            RefuseIfNotDurableAtTheGate();
            hold = Hold.Transaction;
        }

        return Begin(connection, eventData);
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (hold == Hold.None)
        {
            RefuseIfNotDurable();
            await gate.EnterAsync(options.SqliteWriteQueueTimeout, cancellationToken);
            RefuseIfNotDurableAtTheGate();
            hold = Hold.Transaction;
        }

        return Begin(connection, eventData);
    }

    // Begun here rather than by EF Core so that a BEGIN that fails (a busy file another process holds) lets go of
    // the gate: EF Core reports no event for it. Microsoft.Data.Sqlite's BEGIN is synchronous either way.
    private InterceptionResult<DbTransaction> Begin(DbConnection connection, TransactionStartingEventData eventData)
    {
        try
        {
            var transaction = connection.BeginTransaction(eventData.IsolationLevel);
            gatedTransaction = transaction;
            return InterceptionResult<DbTransaction>.SuppressWithResult(transaction);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            Release();
            throw new StoreBusyException("Another process held the database's write lock for longer than the busy timeout.", ex);
        }
        catch
        {
            Release();
            throw;
        }
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        ReleaseTransaction(transaction);
        WaitDurable();
    }

    // The gate is let go first: the next writer commits while this one waits for the sync, and may share it.
    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ReleaseTransaction(transaction);
        return WaitDurableAsync();
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => ReleaseTransaction(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ReleaseTransaction(transaction);
        return Task.CompletedTask;
    }

    // A failed COMMIT, or a failed statement in SaveChanges, leaves the transaction open until it is disposed (rolled
    // back): the gate is held until then, so no other writer meets the open lock. Only the transaction that holds
    // the gate lets go of it: an older one of the same scope, disposed late, must not free a newer one's hold.
    internal void TransactionDisposed(DbTransaction transaction) => ReleaseTransaction(transaction);

    private void ReleaseTransaction(DbTransaction transaction)
    {
        if (hold == Hold.Transaction && ReferenceEquals(transaction, gatedTransaction))
        {
            Release();
        }
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        EnterForStatement(command);
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await EnterForStatementAsync(command, cancellationToken);
        return result;
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        if (ReleaseStatement(command))
        {
            WaitDurable();
        }

        return result;
    }

    public async ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (ReleaseStatement(command))
        {
            await WaitDurableAsync();
        }

        return result;
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        EnterForStatement(command);
        return result;
    }

    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await EnterForStatementAsync(command, cancellationToken);
        return result;
    }

    public object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        if (ReleaseStatement(command))
        {
            WaitDurable();
        }

        return result;
    }

    public async ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        if (ReleaseStatement(command))
        {
            await WaitDurableAsync();
        }

        return result;
    }

    // A statement that returns rows (INSERT … RETURNING) is not finished until its reader is: released when the
    // reader is disposed, which is also when it commits. EF Core reports the disposal synchronously only.
    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        EnterForStatement(command);
        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await EnterForStatementAsync(command, cancellationToken);
        return result;
    }

    public InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        if (ReleaseStatement(command))
        {
            WaitDurable();
        }

        return result;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => FailStatement(command, eventData.Exception);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        FailStatement(command, eventData.Exception);
        return Task.CompletedTask;
    }

    // A write outside a transaction meets another process's lock in the statement itself (there is no BEGIN to
    // translate it): thrown from here, the translation replaces SQLite's error for every caller of the statement.
    // Inside a transaction the lock was taken by BEGIN IMMEDIATE, which is where a busy file is met.
    private void FailStatement(DbCommand command, Exception exception)
    {
        if (ReleaseStatement(command) && exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked })
        {
            throw new StoreBusyException("Another process held the database's write lock for longer than the busy timeout.", exception);
        }
    }

    public void CommandCanceled(DbCommand command, CommandEndEventData eventData) => ReleaseStatement(command);

    public Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ReleaseStatement(command);
        return Task.CompletedTask;
    }

    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Configure(connection);

    public Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Configure(connection);
        return Task.CompletedTask;
    }

    // A transaction never outlives its connection: whatever was left open is rolled back by the close.
    public void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Release();

    public Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Release();
        return Task.CompletedTask;
    }

    public void Dispose() => Release();

    private void EnterForStatement(DbCommand command)
    {
        if (NeedsGate(command))
        {
            RefuseIfNotDurable();
            gate.Enter(options.SqliteWriteQueueTimeout, CancellationToken.None);
            RefuseIfNotDurableAtTheGate();
            hold = Hold.Statement;
            gatedCommand = command;
        }
    }

    private async ValueTask EnterForStatementAsync(DbCommand command, CancellationToken cancellationToken)
    {
        if (NeedsGate(command))
        {
            RefuseIfNotDurable();
            await gate.EnterAsync(options.SqliteWriteQueueTimeout, cancellationToken);
            RefuseIfNotDurableAtTheGate();
            hold = Hold.Statement;
            gatedCommand = command;
        }
    }

    // Inside a transaction the gate is already held. Outside one, every statement but a query may write.
    private bool NeedsGate(DbCommand command) =>
        hold == Hold.None && command.Transaction is null && !IsQuery(command.CommandText);

    private static bool IsQuery(string sql) =>
        sql.AsSpan().TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase);

    // True when it let go of a statement that may have written (and, outside a transaction, committed).
    private bool ReleaseStatement(DbCommand command)
    {
        if (hold == Hold.Statement && ReferenceEquals(command, gatedCommand))
        {
            Release();
            return true;
        }

        return false;
    }

    // Once an fsync failed no commit can be answered as durable: a write that began anyway would be applied and then
    // answered as a failure (a client retrying it would write it twice). Refused before the gate and BEGIN instead,
    // so it writes nothing.
    // A writer that queued at the gate before the sync failed is refused when it gets there, before BEGIN, like
    // one that came after; the gate it took goes to the next in the queue, which is refused the same way.
    private void RefuseIfNotDurableAtTheGate()
    {
        if (walToSync is not null && flusher.IsBroken)
        {
            gate.Exit();
            throw new WritesSuspendedException();
        }
    }

    private void RefuseIfNotDurable()
    {
        if (walToSync is not null && flusher.IsBroken)
        {
            throw new WritesSuspendedException();
        }
    }

    private Task WaitDurableAsync() => walToSync is { } wal ? flusher.WaitDurableAsync(wal) : Task.CompletedTask;

    private void WaitDurable()
    {
        if (walToSync is { } wal)
        {
            flusher.WaitDurableAsync(wal).GetAwaiter().GetResult();
        }
    }

    private void Release()
    {
        if (hold != Hold.None)
        {
            hold = Hold.None;
            gatedCommand = null;
            gatedTransaction = null;
            gate.Exit();
        }
    }

    private void Configure(DbConnection connection)
    {
        var sqlite = (SqliteConnection)connection;
        var key = string.Create(CultureInfo.InvariantCulture, $"{(int)options.SqliteBusyTimeout.TotalMilliseconds}/{options.SqliteDurability}");
        if (sqlite.Handle is not { } handle)
        {
            return;
        }

        if (!Configured.TryGetValue(handle, out var settings) || settings.Key != key)
        {
            settings = Apply(sqlite, key);
            if (settings.Final)
            {
                Configured.AddOrUpdate(handle, settings);
            }
        }

        walToSync = settings.WalToSync;
    }

    private ConnectionSettings Apply(SqliteConnection connection, string key)
    {
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(int)options.SqliteBusyTimeout.TotalMilliseconds};"));
        if (options.SqliteDurability == SqliteDurability.FsyncPerCommit)
        {
            Execute(connection, "PRAGMA synchronous=FULL;");
            return new ConnectionSettings(key, Final: true, WalToSync: null);
        }

        // NORMAL is safe against power loss only with the WAL (a rollback journal may be left inconsistent): until the
        // migrator has switched the file to WAL, the connection keeps FULL and is looked at again on its next open.
        using var mode = connection.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode;";
        if (!string.Equals(mode.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase))
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

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record ConnectionSettings(string Key, bool Final, string? WalToSync);
}
