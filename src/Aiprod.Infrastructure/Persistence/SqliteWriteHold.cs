using System.Data.Common;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// What one <see cref="SqliteAiprodDbContext"/> holds of the <see cref="SqliteWriteGate"/>: nothing, a transaction
/// (BEGIN to COMMIT/ROLLBACK) or one statement that writes outside a transaction, and the WAL its connection must
/// have synced before a commit is reported. It belongs to the context, not to the DI scope: contexts are pooled, so
/// one context serves many scopes one after the other, and the <see cref="SqliteWriteGateInterceptor"/> is one for
/// the process. The pool resets it when it takes the context back (<see cref="SqliteWriteHoldReset"/>), after EF
/// Core has disposed the transaction the scope left open: a hold that outlived its scope lets go of the gate there,
/// as the scope's end let go of it before contexts were pooled. Only the context's own requests touch it, one at a
/// time, like the context itself.
/// </summary>
internal sealed class SqliteWriteHold
{
    private SqliteWriteGate? gate;
    private Kind kind;
    private DbCommand? command;
    private DbTransaction? transaction;
    private SqliteWriterConnection? writer;
    private bool committed;

    private enum Kind
    {
        None,
        Transaction,
        Statement,
        Writer,
    }

    /// <summary>The WAL this context's connection must have synced before a commit of it is reported; null when
    /// SQLite syncs in the COMMIT itself (or nothing is to be synced). Set when the connection opens.</summary>
    public string? WalToSync { get; set; }

    public bool IsHeld => kind != Kind.None;

    /// <summary>The connection string of the pooled connection the writer connection stands in for.</summary>
    public string? PooledConnectionString { get; private set; }

    /// <summary>The gate was entered and the writer connection put into the context in place of its own.</summary>
    public void HoldForWriter(SqliteWriteGate entered, SqliteWriterConnection attached, string? pooledConnectionString)
    {
        gate = entered;
        kind = Kind.Writer;
        writer = attached;
        committed = false;
        PooledConnectionString = pooledConnectionString;
    }

    /// <summary>The writer connection the context has in place of its own, if any: while it is attached the gate is held
    /// from before its first statement until the unit of work detaches it, across the transaction's end, and the
    /// commit's durability is waited for after that.</summary>
    public SqliteWriterConnection? AttachedWriter => kind == Kind.Writer ? writer : null;

    /// <summary>A transaction on the writer connection committed: its durability is owed when the writer is detached.</summary>
    public void MarkCommitted() => committed = true;

    public bool TakeCommitted()
    {
        var was = committed;
        committed = false;
        return was;
    }

    /// <summary>Lets go of the gate held for the writer connection (only the one that detaches it calls this).</summary>
    public void ReleaseWriter()
    {
        if (kind == Kind.Writer)
        {
            var held = gate;
            kind = Kind.None;
            transaction = null;
            writer = null;
            committed = false;
            PooledConnectionString = null;
            gate = null;
            held?.Exit();
        }
    }

    /// <summary>The gate was entered for a transaction about to begin.</summary>
    public void HoldForTransaction(SqliteWriteGate entered)
    {
        gate = entered;
        kind = Kind.Transaction;
    }

    /// <summary>The transaction that began under the hold: only its end lets go of it.</summary>
    public void Began(DbTransaction begun) => transaction = begun;

    /// <summary>The gate was entered for one statement outside a transaction.</summary>
    public void HoldForStatement(SqliteWriteGate entered, DbCommand statement)
    {
        gate = entered;
        kind = Kind.Statement;
        command = statement;
    }

    /// <summary>Lets go of the gate if <paramref name="ended"/> is the transaction that holds it (an older one of
    /// the same context, disposed late, must not free a newer one's hold).</summary>
    public void ReleaseTransaction(DbTransaction ended)
    {
        if (kind == Kind.Transaction && ReferenceEquals(ended, transaction))
        {
            Release();
        }
        else if (kind == Kind.Writer && ReferenceEquals(ended, transaction))
        {
            transaction = null;
        }
    }

    /// <summary>True when it let go of a statement that may have written (and, outside a transaction, committed).</summary>
    public bool ReleaseStatement(DbCommand ended)
    {
        if (kind == Kind.Statement && ReferenceEquals(ended, command))
        {
            Release();
            return true;
        }

        return false;
    }

    /// <summary>Lets go of a transaction's or a statement's hold; the writer connection's is let go of only by its
    /// detaching (<see cref="ReleaseWriter"/>), since the context still has that connection until then.</summary>
    public void Release()
    {
        if (kind is Kind.Transaction or Kind.Statement)
        {
            var held = gate;
            kind = Kind.None;
            command = null;
            transaction = null;
            gate = null;
            held?.Exit();
        }
    }

    /// <summary>The context goes back to the pool (or is disposed): whatever it still holds is let go of, and the
    /// next scope to rent it starts as a fresh context would.</summary>
    public void Reset()
    {
        Release();
        WalToSync = null;
    }
}

/// <summary>
/// Resets the context's <see cref="SqliteWriteHold"/> when the pool takes the context back (EF Core calls every
/// <see cref="IResettableService"/> of the context's internal services then) and when a context that is not pooled
/// is disposed (its internal scope disposes it).
/// </summary>
internal sealed class SqliteWriteHoldReset(ICurrentDbContext current) : IResettableService, IDisposable
{
    public void ResetState() => Reset();

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        Reset();
        return Task.CompletedTask;
    }

    public void Dispose() => Reset();

    private void Reset()
    {
        if (current.Context is SqliteAiprodDbContext context)
        {
            try
            {
                // A scope that ended with the writer connection still attached (its unit of work detaches it on every
                // path it knows of): the pooled context must not keep it for the next scope.
                context.WriteHold.AttachedWriter?.DetachLeftBehind(context);
            }
            finally
            {
                context.WriteHold.Reset();
            }
        }
    }
}

/// <summary>
/// Registers <see cref="SqliteWriteHoldReset"/> among the context's internal services. Added to the options after
/// the provider's (UseSqlite), so its reset runs after EF Core's own: the connection's open transaction is disposed
/// (and the gate let go of through <see cref="SqliteGatedTransactionFactory"/>) before the hold is cleared.
/// </summary>
internal sealed class SqliteWriteHoldExtension : IDbContextOptionsExtension
{
    private DbContextOptionsExtensionInfo? info;

    public DbContextOptionsExtensionInfo Info => info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services) =>
        new ServiceCollectionMap(services).TryAddScopedEnumerable<IResettableService, SqliteWriteHoldReset>();

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "SqliteWriteHold ";

        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) => debugInfo["Aiprod:SqliteWriteHold"] = "1";
    }
}
