using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// SQL Server runs with a retrying execution strategy, which refuses statements inside a transaction the application
/// began: a command that decides under the write lock must not begin one there (it would fail every claim).
/// </summary>
public sealed class RetryingStrategyWriteTests
{
    [Fact]
    public async Task UnderARetryingStrategy_BeginWrite_OpensNoTransaction()
    {
        // Nothing listens on this port: a transaction would have to connect, and fail.
        var options = new DbContextOptionsBuilder<SqlServerAiprodDbContext>()
            .UseSqlServer("Server=127.0.0.1,1;Database=none;User Id=sa;Password=x;Connect Timeout=1;TrustServerCertificate=true", sql => sql.EnableRetryOnFailure())
            .Options;
        await using var db = new SqlServerAiprodDbContext(options);
        var unitOfWork = new EfUnitOfWork(db, new Aiprod.Infrastructure.Webhooks.WebhookOutbox(TimeProvider.System));

        await unitOfWork.BeginWriteAsync(TestContext.Current.CancellationToken);

        Assert.Null(db.Database.CurrentTransaction);
        await unitOfWork.AbandonAsync();
    }
}
