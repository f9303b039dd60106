using Aiprod.Api.OpenApi;
using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>A job to run.</summary>
/// <param name="Content">What to produce: the brief, script or prompt (at most 10,000 characters).</param>
/// <param name="Preset">`quick_social` (default), `brand_campaign` or `premium_spot`.</param>
/// <param name="Priority">`low`, `normal` (default) or `high`; workers take higher priorities first.</param>
/// <param name="Lang">Language tag of the output, e.g. `en` (default), `fr`, `pt-BR`.</param>
/// <param name="DurationSec">Length of the video in seconds, 5 to 600 (default 30).</param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.SubmitJob.SubmitJobCommand))]
public sealed record RunJobRequest(string Content, JobPreset? Preset, JobPriority? Priority, string? Lang, int? DurationSec) : IRequestExample<RunJobRequest>
{
    public static RunJobRequest Example => new("A 30-second teaser for the spring collection: city rooftops at dawn, upbeat music.", JobPreset.QuickSocial, JobPriority.Normal, "en", 30);
}
