using Aiprod.Api.OpenApi;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>The job is done.</summary>
/// <param name="Output">What was produced, as a JSON object, e.g. `{"video_url": "s3://bucket/job.mp4", "frames": 720}`.</param>
/// <param name="ExecutionTimeMs">How long the work took; measured from the claim when left out. <example>93500</example></param>
/// <param name="ClaimId">The `claim_id` of the claim answer this report belongs to. Send it: a job put back in the queue and claimed again by the same key is told apart from the earlier run only by it, and a report with an earlier claim's id gets 409 `claim_superseded` and changes nothing. Left out, the report is judged by the key alone. <example>0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10</example></param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.CompleteJob.CompleteJobCommand))]
public sealed record CompleteJobRequest([Required] JsonElement? Output, long? ExecutionTimeMs, JobClaimId? ClaimId = null) : IRequestExample<CompleteJobRequest>
{
    public static CompleteJobRequest Example => new(JsonDocument.Parse("""{"video_url": "s3://bucket/job.mp4", "frames": 720}""").RootElement.Clone(), 93500, new JobClaimId(Guid.Parse("0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10")));
}
