using Aiprod.Api.Contracts;
using Aiprod.Api.Setup;
using Aiprod.Application.Admin.Commands.CancelUserJob;
using Aiprod.Application.Admin.Commands.RequeueJob;
using Aiprod.Application.Admin.Dtos;
using Aiprod.Application.Admin.Queries.GetJobsOverview;
using Aiprod.Application.Admin.Queries.ListAllJobs;
using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Admin;

namespace Aiprod.Api.Controllers;

/// <summary>The job queue across every user, for an admin (access tokens only; 60 requests a minute per admin, policy `admin`).</summary>
[Route("admin/jobs")]
[Authorize(Policy = AuthenticationSetup.AdminPolicy)]
[EnableRateLimiting(RateLimitPolicies.Admin)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class AdminJobsController : ApiControllerBase
{
    /// <summary>The queue at a glance.</summary>
    /// <remarks>
    /// Counts by status, how long the oldest queued job has waited, the running jobs (up to 100, soonest lease expiry
    /// first) with the worker key holding each and its lease expiry, and from the audit log of the last hour: leases
    /// that lapsed, how many of those went back to the queue for another attempt, and admin requeues.
    /// </remarks>
    /// <response code="200">The overview.</response>
    [HttpGet("overview")]
    [ProducesResponseType<JobsOverviewDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetJobsOverview(CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new GetJobsOverviewQuery(), cancellationToken));

    /// <summary>Every user's jobs, with the filters of `GET /pipeline/jobs` and the owner by id or address.</summary>
    /// <param name="ownerId">Only this user's jobs.</param>
    /// <param name="ownerEmail">Only the jobs of the account with this address (an address without an account: none).</param>
    /// <param name="status">`queued`, `running`, `completed`, `failed` or `cancelled`.</param>
    /// <param name="preset">`quick_social`, `brand_campaign` or `premium_spot`.</param>
    /// <param name="createdFrom">Created at or after (ISO 8601).</param>
    /// <param name="createdTo">Created at or before (ISO 8601).</param>
    /// <param name="sort">`-created_at` (default), `created_at`, `priority`, `-priority`, `updated_at`, `-updated_at`.</param>
    /// <param name="limit">Page size, 1 to 100 (default 20).</param>
    /// <param name="offset">Jobs to skip (default 0).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">A page of jobs.</response>
    /// <response code="400">A filter is not valid, or both owner_id and owner_email were given.</response>
    [HttpGet]
    [ProducesResponseType<AdminJobPageDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListJobs(
        [FromQuery(Name = "owner_id")] UserId? ownerId,
        [FromQuery(Name = "owner_email")] string? ownerEmail,
        [FromQuery] JobStatus? status,
        [FromQuery] JobPreset? preset,
        [FromQuery(Name = "created_from")] DateTimeOffset? createdFrom,
        [FromQuery(Name = "created_to")] DateTimeOffset? createdTo,
        [FromQuery] JobSortOrder? sort,
        [FromQuery] int? limit,
        [FromQuery] int? offset,
        CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListAllJobsQuery(ownerId, ownerEmail, status, preset, createdFrom, createdTo, sort, limit, offset), cancellationToken));

    /// <summary>Cancels any user's job, as its owner could: its sockets hear it, a worker holding it learns at its next report.</summary>
    /// <response code="200">The cancelled job.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No job has this id.</response>
    /// <response code="409">The job has already ended (`illegal_transition`).</response>
    [HttpPost("{job_id:guid}/cancel")]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.JobNotFound))]
    [Answers(typeof(JobErrors), nameof(JobErrors.IllegalTransition), JobStatus.Completed, JobStatus.Cancelled)]
    [Consumes("application/json")]
    [ProducesResponseType<JobSummaryDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> CancelJob([FromRoute(Name = "job_id")] JobId jobId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new CancelUserJobCommand(jobId, request.Reason), cancellationToken), Ok);

    /// <summary>Puts a failed job back in the queue with its retry count reset.</summary>
    /// <remarks>Only a failed job; any other is 409 `job_not_failed`. Of two requeues at once, one applies and the other gets that 409.</remarks>
    /// <response code="200">The requeued job.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No job has this id.</response>
    /// <response code="409">The job is not failed (`job_not_failed`).</response>
    [HttpPost("{job_id:guid}/requeue")]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.JobNotFound))]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotFailed), JobStatus.Running)]
    [Consumes("application/json")]
    [ProducesResponseType<JobSummaryDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> RequeueJob([FromRoute(Name = "job_id")] JobId jobId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new RequeueJobCommand(jobId, request.Reason), cancellationToken), Ok);
}
