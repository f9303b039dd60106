using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// EF Core reports a commit and a rollback to interceptors, but not a transaction disposed without either, which is
/// how SaveChanges ends one whose statement failed. Its transactions tell the context's <see cref="SqliteWriteHold"/>
/// when they are disposed, so the gate never waits for the connection to close (nor, with pooled contexts, for the
/// pool to take the context back).
/// </summary>
internal sealed class SqliteGatedTransactionFactory(RelationalTransactionFactoryDependencies dependencies) : IRelationalTransactionFactory
{
    public RelationalTransaction Create(
        IRelationalConnection connection,
        DbTransaction transaction,
        Guid transactionId,
        IDiagnosticsLogger<DbLoggerCategory.Database.Transaction> logger,
        bool transactionOwned)
    {
        var hold = (connection.Context as SqliteAiprodDbContext)?.WriteHold;
        return new GatedTransaction(connection, transaction, transactionId, logger, transactionOwned, dependencies.SqlGenerationHelper, hold);
    }

    private sealed class GatedTransaction(
        IRelationalConnection connection,
        DbTransaction transaction,
        Guid transactionId,
        IDiagnosticsLogger<DbLoggerCategory.Database.Transaction> logger,
        bool transactionOwned,
        ISqlGenerationHelper sqlGenerationHelper,
        SqliteWriteHold? hold)
        : RelationalTransaction(connection, transaction, transactionId, logger, transactionOwned, sqlGenerationHelper)
    {
        private readonly DbTransaction held = transaction;

        public override void Dispose()
        {
            try
            {
                base.Dispose();
            }
            catch when (DetachWriterAfterFailedDisposal())
            {
                throw;
            }
            finally
            {
                hold?.ReleaseTransaction(held);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await base.DisposeAsync();
            }
            catch when (DetachWriterAfterFailedDisposal())
            {
                throw;
            }
            finally
            {
                hold?.ReleaseTransaction(held);
            }
        }

        // A rollback that throws on the writer connection (an I/O error; when the pool's reset disposes it, the
        // context's own reset may then never run): the writer is detached here, and replaced, since it is still in
        // the transaction. Never true: the exception goes on.
        private bool DetachWriterAfterFailedDisposal()
        {
            if (hold?.AttachedWriter is { } writer && Connection.Context is SqliteAiprodDbContext context)
            {
                writer.DetachLeftBehind(context);
            }

            return false;
        }
    }
}
