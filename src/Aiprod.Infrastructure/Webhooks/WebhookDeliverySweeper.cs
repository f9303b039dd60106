using Aiprod.Application.Webhooks;
using Aiprod.Domain.Webhooks;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Webhooks;

/// <summary>
/// Deletes ended deliveries (succeeded or failed) older than <see cref="WebhookOptions.DeliveryRetention"/>, with their
/// attempts, every <see cref="Interval"/> on the host's Clock. A pending delivery (waiting for a retry, or leased and in
/// flight) is never deleted: only a row whose status is ended is, and the status never goes back to pending.
/// </summary>
public sealed partial class WebhookDeliverySweeper(
    IServiceScopeFactory scopes, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookDeliverySweeper> logger) : PeriodicWorkService(clock)
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public const int Batch = 500;

    protected override TimeSpan Period => Interval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    protected override void LogRunFailed(Exception exception, TimeSpan period) => LogSweepFailed(exception, period);

    /// <summary>Sweeps until no delivery past its retention is left; how many it deleted. Public for tests that step the Clock.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = Clock.GetUtcNow() - options.Value.DeliveryRetention;
        var total = 0;
        int deleted;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();

            // Bounded batches keep each write short (SQLite has one writer); the attempts go with their delivery (cascade).
            var ids = await db.WebhookDeliveries
                .Where(d => d.Status != WebhookDeliveryStatus.Pending && d.EndedAt != null && d.EndedAt < cutoff)
                // In the index's order: ordered by id, SQLite sorted every expired row to take the first batch.
                .OrderBy(d => d.EndedAt)
                .Select(d => d.Id)
                .Take(Batch)
                .ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            // The status is checked again in the delete itself, so nothing that is pending is ever deleted.
            deleted = await db.WebhookDeliveries
                .Where(d => ids.Contains(d.Id) && d.Status != WebhookDeliveryStatus.Pending)
                .ExecuteDeleteAsync(cancellationToken);
            total += deleted;
            if (deleted > 0)
            {
                LogSwept(deleted, options.Value.DeliveryRetention);
            }
        }
        while (deleted == Batch);

        return total;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping old webhook deliveries failed; retrying in {Interval}")]
    private partial void LogSweepFailed(Exception exception, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} webhook deliveries ended more than {Retention} ago")]
    private partial void LogSwept(int count, TimeSpan retention);
}
