namespace Aiprod.Infrastructure;

/// <summary>
/// A background service that does one piece of work every <see cref="Period"/> on the host's clock (so tests step
/// it). A run that fails, a provider's own timeout included, is logged and the next tick tries again: only the host
/// stopping ends the loop.
/// </summary>
public abstract class PeriodicWorkService(TimeProvider clock) : SignalledBackgroundService
{
    /// <summary>The host's clock, for the work too.</summary>
    protected TimeProvider Clock => clock;

    protected abstract TimeSpan Period { get; }

    /// <summary>False: the service does nothing on this instance (read once, at start).</summary>
    protected virtual bool Enabled => true;

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected abstract void LogRunFailed(Exception exception, TimeSpan period);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Also a cancellation not caused by shutdown (a query's timeout): the loop must outlive it.
                    LogRunFailed(ex, Period);
                }
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the next run of any instance picks up what this one left. Also a run the stop cut short,
            // whatever it threw (a provider's error from an interrupted command): the service ends as stopped, not as
            // failed, which the host would take for a crash.
        }
    }
}
