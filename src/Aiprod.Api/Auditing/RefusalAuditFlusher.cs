namespace Aiprod.Api.Auditing;

/// <summary>
/// Every <see cref="RefusalAudit.Window"/>, writes the refusal counts no later refusal carried; when the host begins
/// stopping, every count still held back.
/// </summary>
public sealed partial class RefusalAuditFlusher(
    RefusalAudit audit,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<RefusalAuditFlusher> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Stopping callbacks run last registered first: this one, registered after the audit buffer's writer started,
        // hands its rows over before that writer's own stopping flush, while the database is certainly reachable.
        lifetime.ApplicationStopping.Register(() => Flush(all: true));
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefusalAudit.Window, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush(all: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the stopping callback has flushed.
        }
    }

    private void Flush(bool all)
    {
        try
        {
            audit.FlushHeldCounts(all);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The buffer takes what it can hold and counts the rest as dropped; whatever else went wrong, the loop and
            // the counts stay.
            LogFlushFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the held-back refusal counts failed")]
    private partial void LogFlushFailed(Exception ex);
}
