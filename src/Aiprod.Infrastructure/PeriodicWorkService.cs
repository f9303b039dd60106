using Microsoft.Extensions.Hosting;

namespace Aiprod.Infrastructure;

/// <summary>
/// A background service that does one piece of work every <see cref="Period"/> on the host's clock (so tests step
/// it). A run that fails, a provider's own timeout included, is logged and the next tick tries again: only the host
/// stopping ends the loop.
/// </summary>
public abstract class PeriodicWorkService(TimeProvider clock) : BackgroundService
{
    private readonly TaskCompletionSource running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes once <see cref="ExecuteAsync"/> has begun. A test that stops one service of a running host must wait
    /// for it first: since .NET 10 the base class starts <c>ExecuteAsync</c> through <c>Task.Run</c> with the stopping
    /// token, so a service stopped before that ends <em>canceled</em>, and the host, not itself stopping, takes that
    /// for a crash and stops the whole application (<c>BackgroundServiceExceptionBehavior.StopHost</c>).
    /// </summary>
    internal Task Running => running.Task;

    /// <summary>The host's clock, for the work too.</summary>
    protected TimeProvider Clock => clock;

    protected abstract TimeSpan Period { get; }

    /// <summary>False: the service does nothing on this instance (read once, at start).</summary>
    protected virtual bool Enabled => true;

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected abstract void LogRunFailed(Exception exception, TimeSpan period);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        running.TrySetResult();
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
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    // A run the stop cut short, whatever it threw (a provider's error from an interrupted command):
                    // the service ends as stopped, not as failed, which the host would take for a crash.
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the next run of any instance picks up what this one left.
        }
    }
}
