using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

public static class JobErrors
{
    public static readonly Error NotFound = Error.NotFound("job_not_found", "You have no job with this id.");

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
