using System.Collections.Concurrent;
using System.Globalization;
using Aiprod.Application.Abstractions;
using System.Threading.Channels;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>
/// Counts key use in memory; <see cref="ApiKeyUsageFlusher"/> adds the counts to the database in batches. One
/// counter per key, updated with interlocked operations: many requests with one key never wait on a lock, and a
/// drain takes what was counted without losing an increment that races with it (it stays for the next flush).
/// </summary>
public sealed class ApiKeyUsageRecorder
{
    private readonly ConcurrentDictionary<Guid, Counter> counters = new();

    public void Record(Guid keyId, DateTimeOffset at)
    {
        var counter = counters.GetOrAdd(keyId, static _ => new Counter());
        Interlocked.Increment(ref counter.Count);
        var ticks = at.UtcTicks;
        var seen = Volatile.Read(ref counter.LastUsedTicks);
        while (ticks > seen)
        {
            var previous = Interlocked.CompareExchange(ref counter.LastUsedTicks, ticks, seen);
            if (previous == seen)
            {
                break;
            }

            seen = previous;
        }
    }

    /// <summary>Takes what was counted so far.</summary>
    public IReadOnlyDictionary<Guid, Usage> Drain()
    {
        var batch = new Dictionary<Guid, Usage>();
        foreach (var (id, counter) in counters)
        {
            var count = Interlocked.Exchange(ref counter.Count, 0);
            if (count > 0)
            {
                batch[id] = new Usage(count, new DateTimeOffset(Volatile.Read(ref counter.LastUsedTicks), TimeSpan.Zero));
            }
        }

        return batch;
    }

    /// <summary>Puts back a batch that could not be written, so no use is lost.</summary>
    public void Restore(IReadOnlyDictionary<Guid, Usage> batch)
    {
        foreach (var (id, usage) in batch)
        {
            var counter = counters.GetOrAdd(id, static _ => new Counter());
            Interlocked.Add(ref counter.Count, usage.Count);
            Record(id, usage.LastUsedAt);
            Interlocked.Decrement(ref counter.Count);
        }
    }

    public readonly record struct Usage(long Count, DateTimeOffset LastUsedAt);

    private sealed class Counter
    {
        public long Count;
        public long LastUsedTicks;
    }
}

/// <summary>
/// Failed key authentications, audited with the key's hash prefix only. Buffered and bounded: a flood of bad keys
/// costs a batched insert, never a write per request, and beyond the bound events are counted and dropped.
/// </summary>
public sealed class ApiKeyFailureAudit : IApiKeyFailureAudit
{
    public const int Capacity = 10_000;

    // Wait, not DropWrite: in the drop modes TryWrite reports success for the item it drops, so nothing was counted.
    // Nobody waits here: TryWrite answers false when the buffer is full, and the event is counted as dropped.
    private readonly Channel<AuditEvent> events = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<string, (DateTimeOffset First, long Count)> refusedByAddress = new(StringComparer.Ordinal);
    private long dropped;

    public long Dropped => Interlocked.Read(ref dropped);

    public void Record(AuditEvent auditEvent)
    {
        if (!events.Writer.TryWrite(auditEvent))
        {
            Interlocked.Increment(ref dropped);
        }
    }

    /// <summary>
    /// Puts back events whose write failed, as new entities (the failed context may have touched the old ones), within
    /// the same bound as new events; what no longer fits is counted as dropped. Returns how many were kept.
    /// </summary>
    public int Restore(IEnumerable<AuditEvent> unwritten)
    {
        var kept = 0;
        foreach (var e in unwritten)
        {
            var copy = AuditEvent.Record(e.OccurredAt, e.EventType, e.ActorKind, e.ActorId, e.Target, e.Outcome, e.ClientAddress, e.UserAgent, e.TraceId, e.Details);
            if (events.Writer.TryWrite(copy))
            {
                kept++;
            }
            else
            {
                Interlocked.Increment(ref dropped);
            }
        }

        return kept;
    }

    /// <summary>
    /// Counts a key refused without a look-up (its address is over the failure limit): one audit row per address and
    /// flush, with the count, rather than one per request.
    /// </summary>
    public void CountRefusedUnlooked(string address, DateTimeOffset now)
    {
        refusedByAddress.AddOrUpdate(address, _ => (now, 1), (_, seen) => (seen.First, seen.Count + 1));
    }

    public List<AuditEvent> Drain()
    {
        var batch = new List<AuditEvent>();
        foreach (var address in refusedByAddress.Keys)
        {
            if (refusedByAddress.TryRemove(address, out var seen))
            {
                batch.Add(AuditEvent.Record(seen.First, AuditEventTypes.ApiKeyAuthenticationFailed, ActorKind.Anonymous, null, null, AuditOutcome.Failure,
                    address, null, null, $"{{\"reason\":\"too_many_failures\",\"count\":{seen.Count.ToString(CultureInfo.InvariantCulture)}}}"));
            }
        }

        while (batch.Count < 1000 && events.Reader.TryRead(out var e))
        {
            batch.Add(e);
        }

        return batch;
    }
}

/// <summary>Configuration section <c>ApiKeys:Usage</c>.</summary>
public sealed class ApiKeyUsageOptions
{
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the flushes of a shutdown may take in all. A stalled database would otherwise hold the stop (a
    /// SQLite file locked by another process waits out each command's timeout; a SQL Server retries), past the
    /// orchestrator's grace period; the counts that cannot be written by then are lost with the process.
    /// </summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

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
        var unwritten = new Dictionary<Guid, ApiKeyUsageRecorder.Usage>(batch);
        try
        {
            foreach (var (id, use) in batch)
            {
                // An increment in SQL: concurrent flushes from several instances add up instead of overwriting.
                await db.ApiKeys.Where(k => k.Id == id).ExecuteUpdateAsync(
                    s => s.SetProperty(k => k.UsageCount, k => k.UsageCount + use.Count)
                          .SetProperty(k => k.LastUsedAt, k => k.LastUsedAt == null || k.LastUsedAt < use.LastUsedAt ? use.LastUsedAt : k.LastUsedAt),
                    cancellationToken);
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
        catch (Exception ex)
        {
            var kept = failures.Restore(failed);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            logger.LogWarning(ex, "Writing {Count} failed API-key authentication audits failed; {Kept} are kept for the next flush, {Dropped} dropped (the buffer is full)",
                failed.Count, kept, failed.Count - kept);
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
