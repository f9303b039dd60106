namespace Aiprod.Infrastructure;

internal static class AbandonedTasks
{
    /// <summary>Observes the eventual failure of a task no one awaits any more, so it is not reported as unobserved.</summary>
    public static void ObserveFailure(this Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
