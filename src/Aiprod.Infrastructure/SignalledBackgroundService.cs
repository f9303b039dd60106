using Microsoft.Extensions.Hosting;

namespace Aiprod.Infrastructure;

/// <summary>
/// A background service that says when its work has begun (<see cref="Started"/>). A test that stops one service of a
/// running host must wait for it first: since .NET 10 <see cref="BackgroundService"/> starts <c>ExecuteAsync</c> through
/// <c>Task.Run</c> with the stopping token, so a service stopped before that ends <em>canceled</em>, and the host, not
/// itself stopping, takes that for a crash and stops the whole application (<c>BackgroundServiceExceptionBehavior.StopHost</c>).
/// </summary>
public abstract class SignalledBackgroundService : BackgroundService
{
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once <see cref="RunAsync"/> is about to begin.</summary>
    internal Task Started => started.Task;

    protected sealed override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        started.TrySetResult();
        return RunAsync(stoppingToken);
    }

    /// <summary>The service's work, until <paramref name="stoppingToken"/> asks it to end.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);
}
