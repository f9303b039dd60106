using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>A job to run.</summary>
/// <param name="Content">What to produce: the brief, script or prompt (at most 10,000 characters).</param>
/// <param name="Preset">`quick_social` (default), `brand_campaign` or `premium_spot`.</param>
/// <param name="Priority">`low`, `normal` (default) or `high`; workers take higher priorities first.</param>
/// <param name="Lang">Language tag of the output, e.g. `en` (default), `fr`, `pt-BR`.</param>
/// <param name="DurationSec">Length of the video in seconds, 5 to 600 (default 30).</param>
public sealed record RunJobRequest(string Content, JobPreset? Preset, JobPriority? Priority, string? Lang, int? DurationSec);

/// <summary>A worker asks for work.</summary>
/// <param name="LeaseSeconds">How long the job is held without a report (5 to 600, default 60). Each progress report renews it. <example>120</example></param>
public sealed record ClaimJobRequest(int? LeaseSeconds);

/// <summary>A progress report; renews the lease.</summary>
/// <param name="Progress">Percent done, 0 to 100. <example>40</example></param>
/// <param name="Message">What is happening now. <example>Rendering scene 2 of 5</example></param>
public sealed record ProgressRequest([Required] int? Progress, string? Message);

/// <summary>One log line.</summary>
/// <param name="Level">`debug`, `info`, `warning` or `error`. <example>info</example></param>
/// <param name="Message">The line. <example>Loaded model weights in 4.2 s</example></param>
public sealed record LogLine([Required] JobLogLevel? Level, string Message);

/// <summary>Log lines to append (at most 100 per call; at most 1000 kept per job).</summary>
/// <param name="Lines">The lines, in order.</param>
public sealed record AppendLogsRequest(IReadOnlyList<LogLine> Lines);

/// <summary>The job is done.</summary>
/// <param name="Output">What was produced, as a JSON object, e.g. `{"video_url": "s3://bucket/job.mp4", "frames": 720}`.</param>
/// <param name="ExecutionTimeMs">How long the work took; measured from the claim when left out. <example>93500</example></param>
public sealed record CompleteJobRequest([Required] JsonElement? Output, long? ExecutionTimeMs);

/// <summary>The job failed.</summary>
/// <param name="ErrorMessage">What went wrong. <example>CUDA out of memory at scene 3</example></param>
/// <param name="ExecutionTimeMs">How long the work ran.</param>
public sealed record FailJobRequest(string ErrorMessage, long? ExecutionTimeMs);
