namespace Aiprod.Domain.Jobs;

public enum JobStatus
{
    /// <summary>Waiting for a worker to claim it.</summary>
    Queued,
    /// <summary>Claimed by a worker that holds its lease.</summary>
    Running,
    /// <summary>The worker reported its result.</summary>
    Completed,
    /// <summary>The worker reported a failure; an admin may requeue it.</summary>
    Failed,
    /// <summary>Cancelled by its owner or an admin.</summary>
    Cancelled,
}
