using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

public static class JobErrors
{
    public static readonly Error NotFound = Error.NotFound("job_not_found", "You have no job with this id.");

    public static Error IllegalTransition(JobStatus from, JobStatus to) =>
        Error.Conflict("illegal_transition", $"A {from.ToString().ToLowerInvariant()} job cannot become {to.ToString().ToLowerInvariant()}.");
}
