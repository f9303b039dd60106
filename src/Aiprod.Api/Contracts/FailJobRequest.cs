using Aiprod.Api.OpenApi;
using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>The job failed.</summary>
/// <param name="ErrorMessage">What went wrong. <example>CUDA out of memory at scene 3</example></param>
/// <param name="ExecutionTimeMs">How long the work ran.</param>
/// <param name="ClaimId">The `claim_id` of the claim answer this report belongs to. Send it: a job put back in the queue and claimed again by the same key is told apart from the earlier run only by it, and a report with an earlier claim's id gets 409 `claim_superseded` and changes nothing. Left out, the report is judged by the key alone. <example>0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10</example></param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.FailJob.FailJobCommand))]
public sealed record FailJobRequest(string ErrorMessage, long? ExecutionTimeMs, JobClaimId? ClaimId = null) : IRequestExample<FailJobRequest>
{
    public static FailJobRequest Example => new("CUDA out of memory at scene 3", 61000, new JobClaimId(Guid.Parse("0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10")));
}
