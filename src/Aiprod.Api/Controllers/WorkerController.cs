using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Jobs.Commands.AppendLogs;
using Aiprod.Application.Jobs.Commands.ClaimJob;
using Aiprod.Application.Jobs.Commands.CompleteJob;
using Aiprod.Application.Jobs.Commands.FailJob;
using Aiprod.Application.Jobs.Commands.ReportProgress;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Aiprod.Api.OpenApi;

namespace Aiprod.Api.Controllers;

/// <summary>
/// The worker protocol, for GPU workers holding an API key with the `pipeline:worker` scope. Claim a job, then
/// report progress (which renews the lease), append logs, and end with complete or fail. A job whose lease
/// lapses goes back to the queue (`retry_count + 1`), and fails after `Jobs:MaxRetries` lapses. A worker key
/// owned by an admin serves every user's jobs; any other key only its owner's.
/// </summary>
[Route("pipeline/worker")]
[Authorize(Policy = AuthenticationSetup.WorkerPolicy)]
public sealed class WorkerController : ApiControllerBase
{
    private ApiKeyId WorkerKeyId => User.RequireApiKeyId();

    /// <summary>Claims the next queued job: highest priority first, then oldest. Two workers never get the same job.</summary>
    /// <response code="200">The job, and until when it is held.</response>
    /// <response code="204">No job is waiting; ask again later.</response>
    /// <response code="409">Other workers took every job this one reached for, more often than the server retries (`concurrent_update`): nothing is held; ask again.</response>
    [HttpPost("claim")]
    [ProducesResponseType<ClaimedJobDto>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Claim([FromBody] ClaimJobRequest? request, CancellationToken cancellationToken)
    {
        var claimed = await Sender.Send(new ClaimJobCommand(WorkerKeyId, User.RequireUserId(), request?.LeaseSeconds), cancellationToken);
        return claimed is null ? NoContent() : Ok(claimed);
    }

    /// <summary>Reports progress and renews the lease.</summary>
    /// <response code="200">Acknowledged, with the new lease end.</response>
    /// <response code="409">The job is not running any more (cancelled, ended), the worker's lease lapsed, or the report's `claim_id` is an earlier claim's (`claim_superseded`): stop working on it.</response>
    [HttpPost("jobs/{job_id:guid}/progress")]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotRunning), JobStatus.Cancelled)]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseNotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.ClaimSuperseded))]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseExpired))]
    [Consumes("application/json")]
    [ProducesResponseType<WorkerAckDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> Progress([FromRoute(Name = "job_id")] JobId jobId, ProgressRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ReportProgressCommand(WorkerKeyId, User.RequireUserId(), jobId, request.Progress!.Value, request.Message, request.ClaimId), cancellationToken), Ok);

    /// <summary>Appends log lines.</summary>
    [HttpPost("jobs/{job_id:guid}/logs")]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotRunning), JobStatus.Cancelled)]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseNotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.ClaimSuperseded))]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseExpired))]
    [Consumes("application/json")]
    [ProducesResponseType<WorkerAckDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> Logs([FromRoute(Name = "job_id")] JobId jobId, AppendLogsRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new AppendLogsCommand(WorkerKeyId, User.RequireUserId(), jobId, request.Lines.Select(l => (l.Level!.Value, l.Message)).ToList(), request.ClaimId), cancellationToken), Ok);

    /// <summary>Completes the job with its output.</summary>
    [HttpPost("jobs/{job_id:guid}/complete")]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotRunning), JobStatus.Cancelled)]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseNotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.ClaimSuperseded))]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseExpired))]
    [Consumes("application/json")]
    [ProducesResponseType<WorkerAckDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> Complete([FromRoute(Name = "job_id")] JobId jobId, CompleteJobRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new CompleteJobCommand(WorkerKeyId, User.RequireUserId(), jobId, request.Output!.Value, request.ExecutionTimeMs, request.ClaimId), cancellationToken), Ok);

    /// <summary>Fails the job with an error (audited).</summary>
    [HttpPost("jobs/{job_id:guid}/fail")]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotRunning), JobStatus.Cancelled)]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseNotHeld))]
    [Answers(typeof(JobErrors), nameof(JobErrors.ClaimSuperseded))]
    [Answers(typeof(JobErrors), nameof(JobErrors.LeaseExpired))]
    [Consumes("application/json")]
    [ProducesResponseType<WorkerAckDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> Fail([FromRoute(Name = "job_id")] JobId jobId, FailJobRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new FailJobCommand(WorkerKeyId, User.RequireUserId(), jobId, request.ErrorMessage, request.ExecutionTimeMs, request.ClaimId), cancellationToken), Ok);
}
