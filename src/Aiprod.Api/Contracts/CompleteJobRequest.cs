using Aiprod.Api.OpenApi;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Aiprod.Api.Contracts;

/// <summary>The job is done.</summary>
/// <param name="Output">What was produced, as a JSON object, e.g. `{"video_url": "s3://bucket/job.mp4", "frames": 720}`.</param>
/// <param name="ExecutionTimeMs">How long the work took; measured from the claim when left out. <example>93500</example></param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.CompleteJob.CompleteJobCommand))]
public sealed record CompleteJobRequest([Required] JsonElement? Output, long? ExecutionTimeMs) : IRequestExample<CompleteJobRequest>
{
    public static CompleteJobRequest Example => new(JsonDocument.Parse("""{"video_url": "s3://bucket/job.mp4", "frames": 720}""").RootElement.Clone(), 93500);
}
