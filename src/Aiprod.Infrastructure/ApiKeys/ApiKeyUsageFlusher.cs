using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>Writes usage counts and failure audits every few seconds, and once more on a graceful shutdown.</summary>
public sealed class ApiKeyUsageFlusher(
    ApiKeyUsageRecorder usage,
    ApiKeyFailureAudit failures,
    IServiceScopeFactory scopes,
    ApiKeyUsageOptions options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<ApiKeyUsageFlusher> logger) : BackgroundService
{
    private long droppedReported;

    // When stopping was signalled; both flushes of the shutdown share the bound from then. They run one after the
    // other (the stopping callback, then StopAsync), so the field needs no lock.
    private DateTimeOffset? shutdownStartedAt;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The first flush of a shutdown runs when stopping is signalled, before any service stops and while the
        // database is certainly reachable; StopAsync flushes again for whatever came in after.
        lifetime.ApplicationStopping.Register(() => FlushWithinBudgetAsync("stopping").GetAwaiter().GetResult());
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushWithinBudgetAsync("stopped");
    }

    /// <summary>
    /// A flush of the shutdown, given up when <see cref="ApiKeyUsageOptions.ShutdownFlushTimeout"/> has passed since
    /// stopping began. It is also abandoned, not only cancelled, since a database driver waiting on a lock need not
    /// notice the cancellation (SQLite's busy wait does not).
    /// </summary>
    private async Task FlushWithinBudgetAsync(string phase)
    {
        var now = clock.GetUtcNow();
        shutdownStartedAt ??= now;
        var left = options.ShutdownFlushTimeout - (now - shutdownStartedAt.Value);
        using var budget = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, clock);
        // On a thread of its own: SQLite's "async" commands run synchronously, waiting on a lock inside the call.
        var flushing = Task.Run(() => FlushAsync(budget.Token), CancellationToken.None);
        try
        {
            await flushing.WaitAsync(budget.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            flushing.ObserveFailure();
            logger.LogWarning("The database did not take the API key usage counts within {Timeout} of shutting down ({Phase}); they are lost", options.ShutdownFlushTimeout, phase);
        }
    }

    /// <summary>Writes what is pending now; what cannot be written stays for the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = usage.Drain();
        var failed = failures.Drain();
        ReportDropped();
        if (batch.Count == 0 && failed.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var unwritten = new Dictionary<ApiKeyId, ApiKeyUsageRecorder.Usage>(batch);
        try
        {
            foreach (var (id, use) in batch)
            {
                // An increment in SQL: concurrent flushes from several instances add up instead of overwriting.
                try
                {
                    await db.ApiKeys.Where(k => k.Id == id).ExecuteUpdateAsync(
                        s => s.SetProperty(k => k.UsageCount, k => k.UsageCount + use.Count)
                              .SetProperty(k => k.LastUsedAt, k => k.LastUsedAt == null || k.LastUsedAt < use.LastUsedAt ? use.LastUsedAt : k.LastUsedAt),
                        cancellationToken);
                }
                catch (CommitNotDurableException)
                {
                    // Applied, only not known to be on disk: writing it again would count it twice.
                    unwritten.Remove(id);
                    throw;
                }

                // Each increment commits on its own: only those not written yet go back, or a retry would count twice.
                unwritten.Remove(id);
            }
        }
        // Whatever broke the write (the database, the network, a shutdown), the counts must not go with it.
        catch (Exception ex)
        {
            usage.Restore(unwritten);
            if (ex is OperationCanceledException)
            {
                failures.Restore(failed);
                throw;
            }

            logger.LogWarning(ex, "Flushing API key usage failed; the counts of {Count} key(s) are kept for the next flush", unwritten.Count);
        }

        if (failed.Count == 0)
        {
            return;
        }

        try
        {
            db.AuditEvents.AddRange(failed);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (CommitNotDurableException ex)
        {
            // Written, only not known to be on disk: kept, they would be written twice.
            logger.LogWarning(ex, "{Count} failed API-key authentication audits were written but may not be durable", failed.Count);
        }
        catch (Exception ex)
        {
            var kept = failures.Restore(failed);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            if (kept == failed.Count)
            {
                logger.LogWarning(ex, "Writing {Count} failed API-key authentication audits failed; all are kept for the next flush", failed.Count);
            }
            else
            {
                logger.LogWarning(ex, "Writing {Count} failed API-key authentication audits failed; {Kept} are kept for the next flush, {Dropped} dropped (the buffer is full)",
                    failed.Count, kept, failed.Count - kept);
            }
        }
    }

    private void ReportDropped()
    {
        var dropped = failures.Dropped;
        if (dropped > Interlocked.Exchange(ref droppedReported, dropped))
        {
            logger.LogWarning("{Dropped} failed API-key authentications in all were not audited: the buffer was full (a flood of bad keys, or the database down)", dropped);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync flushes the rest.
        }
    }
}
