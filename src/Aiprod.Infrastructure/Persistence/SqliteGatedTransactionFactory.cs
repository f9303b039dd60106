using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// EF Core reports a commit and a rollback to interceptors, but not a transaction disposed without either, which is
/// how SaveChanges ends one whose statement failed. Its transactions tell the context's
/// <see cref="SqliteWriteGateInterceptor"/> when they are disposed, so the gate never waits for the connection to close.
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
        var gate = connection.Context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?
            .OfType<SqliteWriteGateInterceptor>().FirstOrDefault();
        return new GatedTransaction(connection, transaction, transactionId, logger, transactionOwned, dependencies.SqlGenerationHelper, gate);
    }

    private sealed class GatedTransaction(
        IRelationalConnection connection,
        DbTransaction transaction,
        Guid transactionId,
        IDiagnosticsLogger<DbLoggerCategory.Database.Transaction> logger,
        bool transactionOwned,
        ISqlGenerationHelper sqlGenerationHelper,
        SqliteWriteGateInterceptor? gate)
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
                gate?.TransactionDisposed(held);
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
                gate?.TransactionDisposed(held);
            }
        }
    }
}
