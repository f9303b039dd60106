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
            finally
            {
                hold?.ReleaseTransaction(held);
            }
        }
    }
}
