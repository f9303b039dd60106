using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// Unhealthy once an fsync of the WAL failed: this instance can no longer answer a write as durable. Degraded while
/// checkpoints keep failing or one does not end: writes still work, but the WAL grows meanwhile.
/// </summary>
internal sealed class SqliteDurabilityHealthCheck(SqliteCommitFlusher flusher, SqliteCheckpointer checkpointer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            flusher.IsBroken ? HealthCheckResult.Unhealthy("An fsync of the database's WAL failed; writes fail until the process restarts.")
            : checkpointer.Trouble is { } trouble ? HealthCheckResult.Degraded(trouble)
            : HealthCheckResult.Healthy());
}
