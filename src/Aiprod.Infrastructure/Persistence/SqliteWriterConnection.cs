using System.Data;
using System.Globalization;
using Aiprod.Application.Abstractions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// One SQLite connection for the write transactions of a unit of work. SQLite drops a connection's whole page cache
/// whenever another connection has committed since it last read, so with writes spread over the pool every write
/// began by reading each page it touched from the file again (56 reads per submit). Writes are one at a time anyway
/// (<see cref="SqliteWriteGate"/>); done on this connection they find the pages their predecessors left. Readers keep
/// their pooled connections and read beside the writer as before.
/// A unit of work attaches it to its context after entering the gate and detaches it before letting go, so only the
/// gate's holder ever touches it: the context's own connection is swapped for it in between (the pooled one is given
/// back first and a fresh one put in its place after), and the write's commit is waited durable only after the gate
/// is free, so the next writer commits while this one waits for the same sync.
/// </summary>
internal sealed class SqliteWriterConnection(SqliteWriteGate gate, SqliteCommitFlusher flusher, DatabaseOptions options) : IDisposable
{
    // Only the gate's holder reads or changes these. The owner is a context of its own that created and opened the
    // connection (so EF Core registered its SQL functions on it and the gate's interceptor set its pragmas, as for
    // any pooled connection) and keeps it open until the writer is replaced.
    private SqliteAiprodDbContext? owner;
    private SqliteConnection? connection;
    private string? walToSync;
    private bool provisional;
    private bool disposed;

    /// <summary>Enters the gate and puts the writer connection into <paramref name="db"/>, whose connection must be closed.</summary>
    /// <returns>False, holding nothing, when the context's connection cannot be swapped (a caller still has it open):
    /// the write then runs on the pooled connection as any other would.</returns>
    public async Task<bool> AttachAsync(SqliteAiprodDbContext db, CancellationToken cancellationToken)
    {
        if (flusher.IsBroken && options.SqliteDurability == SqliteDurability.GroupFsync)
        {
            throw new WritesSuspendedException();
        }

        await gate.EnterAsync(options.SqliteWriteQueueTimeout, cancellationToken);
        var hold = db.WriteHold;
        try
        {
            if (disposed)
            {
                gate.Exit();
                return false;
            }

            var writer = connection ?? Open(db);
            if (walToSync is not null && flusher.IsBroken)
            {
                throw new WritesSuspendedException();
            }

            var pooled = db.Database.GetConnectionString();
            db.Database.SetDbConnection(writer, contextOwnsConnection: false);
            hold.HoldForWriter(gate, this, pooled);
        }
        catch (InvalidOperationException) when (!hold.IsHeld && connection is not null)
        {
            // EF Core refuses to swap a connection its context still has open.
            gate.Exit();
            return false;
        }
        catch
        {
            if (!hold.IsHeld)
            {
                gate.Exit();
            }
            else
            {
                Detach(db);
            }

            throw;
        }

        hold.WalToSync = walToSync;
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        catch
        {
            Detach(db);
            throw;
        }

        return true;
    }

    /// <summary>Gives <paramref name="db"/> a pooled connection of its own again, lets go of the gate, and only then
    /// waits until what was committed on the writer is durable.</summary>
    public async Task DetachAsync(SqliteAiprodDbContext db)
    {
        var wal = Detach(db);
        if (wal is not null)
        {
            await flusher.WaitDurableAsync(wal);
        }
    }

    /// <summary>Detaches a writer connection a scope left attached (the pool's reset, a transaction whose disposal
    /// threw). Nobody is answered from here, so nothing waits for the commit's sync (the next sync covers it).</summary>
    public void DetachLeftBehind(SqliteAiprodDbContext db)
    {
        try
        {
            Detach(db);
        }
        catch (ObjectDisposedException)
        {
            // A context that is not pooled, disposed: the gate was let go of, and the writer it may still have
            // was replaced (Detach).
        }
    }

    /// <summary>The synchronous half of <see cref="DetachAsync"/>: returns the WAL still to be waited for, if a commit is.</summary>
    public string? Detach(SqliteAiprodDbContext db)
    {
        var hold = db.WriteHold;
        if (!ReferenceEquals(hold.AttachedWriter, this))
        {
            return null;
        }

        var wal = hold.TakeCommitted() ? walToSync : null;
        var pooled = hold.PooledConnectionString;
        var swapped = false;
        try
        {
            try
            {
                db.Database.CloseConnection();
            }
            finally
            {
                // EF Core makes the context's next connection itself, from the connection string, as for a fresh
                // context: with its SQL functions registered.
                db.Database.SetDbConnection(null, contextOwnsConnection: true);
                db.Database.SetConnectionString(pooled);
                swapped = true;
            }
        }
        finally
        {
            try
            {
                // Not handed to the next writer: a connection the context may still have (the swap failed), one a
                // write that failed half-way left inside a transaction (a COMMIT that failed and a rollback that failed
                // too) or with a statement still running (it would keep an old snapshot, and every later BEGIN
                // IMMEDIATE would fail), one that is closed, or one opened before the file was in WAL mode (its
                // settings are looked at again on the next open).
                if (connection is not null && (!swapped || provisional || connection.State != ConnectionState.Open || InUse(connection)))
                {
                    Replace();
                }
            }
            finally
            {
                hold.ReleaseWriter();
            }
        }

        return wal;
    }

    private static bool InUse(SqliteConnection open)
    {
        if (open.Handle is not { } handle)
        {
            return false;
        }

        if (SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0)
        {
            return true;
        }

        for (var statement = SQLitePCL.raw.sqlite3_next_stmt(handle, null); statement is not null; statement = SQLitePCL.raw.sqlite3_next_stmt(handle, statement))
        {
            if (SQLitePCL.raw.sqlite3_stmt_busy(statement) != 0)
            {
                return true;
            }
        }

        return false;
    }

    // Closed for good, not returned to Microsoft.Data.Sqlite's pool (Pooling=False): closing the handle rolls back
    // whatever it still had open, where the pool would hand it to the next opener as it is.
    private void Replace()
    {
        var closing = owner;
        owner = null;
        connection = null;
        walToSync = null;
        provisional = false;
        try
        {
            closing?.Dispose();
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
        {
            // Its rollback failed too: the handle is closed all the same.
        }
    }

    private SqliteConnection Open(SqliteAiprodDbContext db)
    {
        var opener = new SqliteAiprodDbContext(db.Options);
        try
        {
            opener.Database.SetConnectionString(new SqliteConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false }.ToString());
            opener.Database.OpenConnection();
            var opened = (SqliteConnection)opener.Database.GetDbConnection();

            // SQLitePCLRaw walks a connection's statements (InUse) only where asked to, before they are prepared.
            opened.Handle!.enable_sqlite3_next_stmt(true);
            if (options.SqliteWriterCacheMiB > 0)
            {
                // Negative: a size in KiB rather than a number of pages.
                SqliteWriteGateInterceptor.Execute(opened, string.Create(CultureInfo.InvariantCulture, $"PRAGMA cache_size=-{options.SqliteWriterCacheMiB * 1024L};"));
            }

            walToSync = opener.WriteHold.WalToSync;
            provisional = !SqliteWriteGateInterceptor.IsConfiguredForGood(opened);
            owner = opener;
            connection = opened;
            return opened;
        }
        catch
        {
            opener.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        // Not while a writer uses it. Writes after this (a background service's last flush) use pooled connections.
        try
        {
            gate.Enter(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (StoreBusyException)
        {
            return;
        }

        try
        {
            disposed = true;
            Replace();
        }
        finally
        {
            gate.Exit();
        }
    }
}
