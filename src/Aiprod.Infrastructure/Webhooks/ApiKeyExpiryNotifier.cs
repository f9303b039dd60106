using Aiprod.Application.Webhooks;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Webhooks;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Webhooks;

/// <summary>
/// Writes the <c>api_key.expiring</c> event of each active key once it is within
/// <see cref="WebhookOptions.ApiKeyExpiringLeadTime"/> of its expiry. Each key is marked by a guarded single-row update
/// (still active, not expired, not yet noticed) in the same transaction as its deliveries: of several instances
/// scanning at once exactly one marks it and writes the event, and a restart finds it marked. A key that is rotated
/// or revoked first gets none (the successor of a rotation is a new key with its own expiry and its own notice).
/// </summary>
public sealed partial class ApiKeyExpiryNotifier(
    IServiceScopeFactory scopes,
    WebhookOutbox outbox,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<ApiKeyExpiryNotifier> logger) : PeriodicWorkService(clock)
{
    private const int BatchSize = 100;

    /// <summary>Writes the notices now due.</summary>
    /// <returns>How many keys this scan marked.</returns>
    public async Task<int> ScanAsync(CancellationToken cancellationToken)
    {
        var marked = 0;
        while (true)
        {
            var (found, markedNow) = await ScanBatchAsync(cancellationToken);
            marked += markedNow;
            if (found < BatchSize)
            {
                return marked;
            }
        }
    }

    protected override bool Enabled => options.Value.DispatcherEnabled;

    protected override TimeSpan Period => options.Value.ExpiryScanInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => ScanAsync(cancellationToken);

    protected override void LogRunFailed(Exception exception, TimeSpan period) => LogScanFailed(exception, period);

    private async Task<(int Found, int Marked)> ScanBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var now = Clock.GetUtcNow();
        var horizon = now + options.Value.ApiKeyExpiringLeadTime;
        var due = await db.ApiKeys.AsNoTracking()
            .Where(k => k.Status == ApiKeyStatus.Active && k.ExpiryNoticeAt == null && k.ExpiresAt > now && k.ExpiresAt <= horizon)
            .OrderBy(k => k.ExpiresAt).ThenBy(k => k.Id)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return (0, 0);
        }

        var marked = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var announced = new List<WebhookOutbox.Announcement>();
            foreach (var key in due)
            {
                var id = key.Id;
                // The same conditions as the read, now under the write: a revocation, rotation or another scanner
                // that committed since makes this update touch nothing, and this key is left to what happened.
                var won = await db.ApiKeys
                    .Where(k => k.Id == id && k.Status == ApiKeyStatus.Active && k.ExpiryNoticeAt == null && k.ExpiresAt > now)
                    .ExecuteUpdateAsync(k => k.SetProperty(x => x.ExpiryNoticeAt, now), cancellationToken) == 1;
                if (won)
                {
                    announced.Add(new WebhookOutbox.Announcement(key.OwnerId, WebhookEventTypes.ApiKeyExpiring, new
                    {
                        key_id = key.Id.Value,
                        name = key.Name,
                        prefix = key.Prefix,
                        expires_at = key.ExpiresAt,
                    }));
                }
            }

            await outbox.StageAsync(db, announced, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return announced.Count;
        });
        return (due.Count, marked);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing api_key.expiring webhook events failed; trying again in {Interval}")]
    private partial void LogScanFailed(Exception ex, TimeSpan interval);
}
