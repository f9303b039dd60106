using Aiprod.Api.Authentication;
using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Jobs.Commands.CancelJob;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Application.Jobs.Queries.GetJob;
using Aiprod.Application.Jobs.Queries.ListJobs;
using Aiprod.Domain.Jobs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>Pipeline jobs, for their owner: a user's access token, or an API key with `jobs:read` / `jobs:write`.</summary>
[Route("pipeline")]
public sealed class PipelineController : ApiControllerBase
{
    /// <summary>Submits a job. It waits in the queue until a worker claims it.</summary>
    /// <response code="202">Queued; follow it at `/ws/job/{job_id}` or poll `GET /pipeline/job/{job_id}`.</response>
    [HttpPost("run")]
    [Authorize(Policy = ScopePolicies.JobsWrite)]
    [EnableRateLimiting(RateLimitPolicies.PipelineRun)]
    [Consumes("application/json")]
    [ProducesResponseType<JobSubmittedDto>(StatusCodes.Status202Accepted)]
    public async Task<IActionResult> Run(RunJobRequest request, CancellationToken cancellationToken)
    {
        var submitted = await Sender.Send(new SubmitJobCommand(User.RequireUserId(), request.Content, request.Preset, request.Priority, request.Lang, request.DurationSec), cancellationToken);
        return Accepted($"/pipeline/job/{submitted.JobId}", submitted);
    }

    /// <summary>A job with its state history, logs and result.</summary>
    /// <response code="200">The job.</response>
    /// <response code="404">The caller has no job with this id.</response>
    [HttpGet("job/{job_id:guid}")]
    [Authorize(Policy = ScopePolicies.JobsRead)]
    [ProducesResponseType<JobDetailsDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> Get([FromRoute(Name = "job_id")] JobId jobId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new GetJobQuery(User.RequireUserId(), jobId), cancellationToken), Ok);

    /// <summary>The caller's jobs, filtered, sorted and paged.</summary>
    /// <param name="status">`queued`, `running`, `completed`, `failed` or `cancelled`.</param>
    /// <param name="preset">`quick_social`, `brand_campaign` or `premium_spot`.</param>
    /// <param name="createdFrom">Created at or after (ISO 8601).</param>
    /// <param name="createdTo">Created at or before (ISO 8601).</param>
    /// <param name="sort">`-created_at` (default), `created_at`, `priority`, `-priority`, `updated_at`, `-updated_at`.</param>
    /// <param name="limit">Page size, 1 to 100 (default 20).</param>
    /// <param name="offset">Jobs to skip (default 0).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    [HttpGet("jobs")]
    [Authorize(Policy = ScopePolicies.JobsRead)]
    [ProducesResponseType<JobPageDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(
        [FromQuery] JobStatus? status,
        [FromQuery] JobPreset? preset,
        [FromQuery(Name = "created_from")] DateTimeOffset? createdFrom,
        [FromQuery(Name = "created_to")] DateTimeOffset? createdTo,
        [FromQuery] string? sort,
        [FromQuery] int? limit,
        [FromQuery] int? offset,
        CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListJobsQuery(User.RequireUserId(), status, preset, createdFrom, createdTo, sort, limit, offset), cancellationToken));

    /// <summary>Cancels a queued or running job.</summary>
    /// <response code="200">The cancelled job.</response>
    /// <response code="404">The caller has no job with this id.</response>
    /// <response code="409">The job has already ended.</response>
    [HttpPost("job/{job_id:guid}/cancel")]
    [Authorize(Policy = ScopePolicies.JobsWrite)]
    [ProducesResponseType<JobSummaryDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Cancel([FromRoute(Name = "job_id")] JobId jobId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new CancelJobCommand(User.RequireUserId(), jobId), cancellationToken), Ok);
}
