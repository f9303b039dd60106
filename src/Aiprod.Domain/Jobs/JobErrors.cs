using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

public static class JobErrors
{
    public static readonly Error NotFound = Error.NotFound("job_not_found", "You have no job with this id.");

    /// <summary>A worker's report on a job its key does not hold, or may not see: answered as if the job did not exist.</summary>
    public static readonly Error NotHeld = Error.NotFound("job_not_found", "No job with this id is held by you.");

    public static readonly Error LeaseNotHeld = Error.Conflict("lease_not_held", "Another worker holds this job.");

    public static readonly Error LeaseExpired = Error.Conflict("lease_expired", "Your lease on this job has lapsed; it will go back to the queue.");

    public static readonly Error InvalidProgress = Error.Validation("invalid_progress", "Progress is a percentage from 0 to 100.");

    public static Error NotRunning(JobStatus status) =>
        Error.Conflict("job_not_running", $"The job is {status.ToString().ToLowerInvariant()}, not running; stop working on it.");

    public static Error NotFailed(JobStatus status) =>
        Error.Conflict("job_not_failed", $"Only a failed job can be requeued; this one is {status.ToString().ToLowerInvariant()}.");

    public static readonly Error ClaimSuperseded = Error.Conflict(
        "claim_superseded",
        "This report belongs to an earlier claim of the job: it was put back in the queue and claimed again since. Stop working on it.");

    public static Error IllegalTransition(JobStatus from, JobStatus to) =>
        Error.Conflict("illegal_transition", $"A {from.ToString().ToLowerInvariant()} job cannot become {to.ToString().ToLowerInvariant()}.");

    public static Error TooManyQueued(int max) => Error.Conflict(
        "too_many_queued_jobs",
        $"You have {max} jobs waiting in the queue, the most one user may have. Wait until workers take some, or cancel some "
        + "with POST /pipeline/job/{job_id}/cancel, then submit this one again.");
}
