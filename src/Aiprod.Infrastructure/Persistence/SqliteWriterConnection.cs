using System.Data;
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
    // Only the gate's holder reads or changes these.
    private SqliteConnection? connection;
    private string? walToSync;
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

    /// <summary>Gives <paramref name="db"/> a fresh pooled connection again, lets go of the gate, and only then waits
    /// until what was committed on the writer is durable.</summary>
    public async Task DetachAsync(SqliteAiprodDbContext db)
    {
        var wal = Detach(db);
        if (wal is not null)
        {
            await flusher.WaitDurableAsync(wal);
        }
    }

    /// <summary>Detaches a writer connection a scope left attached, and waits, blocking, for a commit on it to be durable.</summary>
    public void DetachLeftBehind(SqliteAiprodDbContext db)
    {
        string? wal;
        try
        {
            wal = Detach(db);
        }
        catch (ObjectDisposedException)
        {
            // A context that is not pooled, disposed: it keeps no connection for anyone, and the gate was let go of.
            return;
        }

        if (wal is not null)
        {
            flusher.WaitDurableAsync(wal).GetAwaiter().GetResult();
        }
    }

    /// <summary>The synchronous half of <see cref="DetachAsync"/>: returns the WAL still to be waited for, if a commit is.</summary>
    public string? Detach(SqliteAiprodDbContext db)
    {
        var hold = db.WriteHold;
        if (!hold.IsAttached(this))
        {
            return null;
        }

        var wal = hold.TakeCommitted() ? walToSync : null;
        var connectionString = hold.PooledConnectionString;
        try
        {
            try
            {
                db.Database.CloseConnection();
            }
            finally
            {
                db.Database.SetDbConnection(new SqliteConnection(connectionString), contextOwnsConnection: true);
            }
        }
        finally
        {
            // A write that failed half-way may have left its transaction open (a COMMIT that failed and a rollback
            // that failed too): that connection is not handed to the next writer.
            if (connection is not null && (connection.State != ConnectionState.Open || InTransaction(connection)))
            {
                connection.Dispose();
                connection = null;
                walToSync = null;
            }

            hold.ReleaseWriter();
        }

        return wal;
    }

    private static bool InTransaction(SqliteConnection open) =>
        open.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0;

    // Opened through EF Core once, by a context of its own that does not own it: EF Core registers its SQL functions
    // and the gate's interceptor sets the pragmas (and tells which WAL to sync) as for any pooled connection, and the
    // connection stays open when that context is done.
    private SqliteConnection Open(SqliteAiprodDbContext db)
    {
        var opened = new SqliteConnection(db.Database.GetConnectionString());
        try
        {
            using var opener = new SqliteAiprodDbContext(db.Options);
            opener.Database.SetDbConnection(opened, contextOwnsConnection: false);
            opener.Database.OpenConnection();
            walToSync = opener.WriteHold.WalToSync;
        }
        catch
        {
            opened.Dispose();
            throw;
        }

        connection = opened;
        return opened;
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
            connection?.Dispose();
            connection = null;
        }
        finally
        {
            gate.Exit();
        }
    }
}
