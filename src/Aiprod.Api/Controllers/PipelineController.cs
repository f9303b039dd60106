using Aiprod.Api.Authentication;
using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.OpenApi;
using Aiprod.Api.ExceptionHandling;
using Aiprod.Api.Setup;
using Aiprod.Application.Jobs.Commands.CancelJob;
using Aiprod.Application.Jobs.Commands.StartJobBatch;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Application.Jobs.Queries.GetJob;
using Aiprod.Application.Jobs.Queries.ListJobs;
using Aiprod.Application.Jobs;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Jobs;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>Pipeline jobs, for their owner: a user's access token, or an API key with `jobs:read` / `jobs:write`.</summary>
[Route("pipeline")]
public sealed class PipelineController : ApiControllerBase
{
    /// <summary>Submits a job. It waits in the queue until a worker claims it.</summary>
    /// <param name="request">The job.</param>
    /// <param name="idempotencyKey">Makes a retry safe: the same key and body answer the first submission for 24 hours, the same key with another body is 422. One key, sent once (a repeated header or a comma list is 400).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="202">Queued, or the job an earlier request with the same `Idempotency-Key` queued (then `Idempotent-Replayed: true`).</response>
    /// <response code="409">The caller already has `Jobs:MaxQueuedPerUser` jobs waiting (`too_many_queued_jobs`), or another request with the same `Idempotency-Key` is being processed (`idempotency_key_in_flight`; send it again).</response>
    /// <response code="422">The `Idempotency-Key` was used with another body (`idempotency_key_reused`).</response>
    [HttpPost("run")]
    [Answers(typeof(JobErrors), nameof(JobErrors.TooManyQueued), 100)]
    [Answers(typeof(IdempotencyErrors), nameof(IdempotencyErrors.KeyInFlight))]
    [Answers(typeof(IdempotencyErrors), nameof(IdempotencyErrors.KeyReused))]
    [RequireScope(ApiKeyScope.JobsWrite)]
    [EnableRateLimiting(RateLimitPolicies.PipelineRun)]
    [Consumes("application/json")]
    [ProducesResponseType<JobSubmittedDto>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IActionResult> Run(RunJobRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken cancellationToken) =>
        ToActionResult(
            await Sender.Send(new SubmitJobCommand(User.RequireUserId(), request.Content, request.Preset, request.Priority, request.Lang, request.DurationSec, IdempotencyKeyOf(idempotencyKey)), cancellationToken),
            answer =>
            {
                var submitted = MarkReplayed(answer);
                return Accepted($"/pipeline/job/{submitted.JobId}", submitted);
            });

    /// <summary>Submits up to 100 jobs; each is accepted or refused on its own.</summary>
    /// <remarks>
    /// Each item is sent as `POST /pipeline/run` would send it, in request order, and committed on its own: an invalid
    /// item, or one past the owner's queue cap (`Jobs:MaxQueuedPerUser`), is refused with the problem the single route
    /// would answer, and the items around it are still queued. `items` lists one result per job, in the order of `jobs`:
    /// `status` 202 with `job`, or the refusal's status with `problem`. When the database refuses an item's write (503
    /// `database_busy`, `writes_suspended`, `write_not_durable`) the later items are not sent: each is 503
    /// `not_attempted`, and the items before stay committed. The batch itself is refused (400) when `jobs` is
    /// missing, empty or longer than 100, or an item is not a job body at all (a wrong type, a missing `content`).
    /// With an `Idempotency-Key`, a retry with the same key and body answers the jobs the first batch queued again
    /// (`Idempotent-Replayed: true`) and sends again only the items that were not queued (refused, not attempted, or
    /// cut short by a crash): no item is ever queued twice. The same key with another body is 422.
    /// </remarks>
    /// <param name="request">The jobs.</param>
    /// <param name="idempotencyKey">Makes a retry safe: with the same key and body the jobs already queued are answered again and only the rest are sent; the same key with another body is 422. One key, sent once (a repeated header or a comma list is 400).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">One result per job, in request order; `Idempotent-Replayed: true` when an earlier batch with the same `Idempotency-Key` and body came first.</response>
    /// <response code="409">Another batch with the same `Idempotency-Key` is being started (`idempotency_key_in_flight`; send it again).</response>
    /// <response code="422">The `Idempotency-Key` was used with another batch (`idempotency_key_reused`).</response>
    [HttpPost("batch")]
    [Answers(typeof(IdempotencyErrors), nameof(IdempotencyErrors.KeyInFlight))]
    [Answers(typeof(IdempotencyErrors), nameof(IdempotencyErrors.KeyReused))]
    [RequireScope(ApiKeyScope.JobsWrite)]
    [EnableRateLimiting(RateLimitPolicies.PipelineBatch)]
    [Consumes("application/json")]
    [ProducesResponseType<RunJobBatchResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IActionResult> RunBatch(RunJobBatchRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken cancellationToken)
    {
        var owner = User.RequireUserId();
        var jobs = request.Jobs.Select(job => new SubmitJobCommand(owner, job.Content, job.Preset, job.Priority, job.Lang, job.DurationSec)).ToList();
        var replayed = false;
        if (IdempotencyKeyOf(idempotencyKey) is { } key)
        {
            // Committed before the first item, in a commit of its own: from here on a retry finds the batch.
            var started = await SendInOwnScopeAsync(new StartJobBatchCommand(owner, key, jobs), cancellationToken);
            if (!started.IsSuccess)
            {
                return Problem(started.Error);
            }

            jobs = jobs.Select((job, index) => started.Value.Item(job, index)).ToList();
            replayed = started.Value.Replayed;
        }

        var answers = await SendItemsAsync(jobs, job => job, cancellationToken);
        var items = answers.Select((answer, index) => answer.Result is { IsSuccess: true } submitted
            ? new RunJobBatchItem(index, StatusCodes.Status202Accepted, submitted.Value!.Value, null)
            : new RunJobBatchItem(index, answer.Problem!.Status, null, answer.Problem)).ToList();

        var accepted = items.Count(i => i.Job is not null);
        if (replayed)
        {
            Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Ok(new RunJobBatchResponse(items, accepted, items.Count - accepted));
    }

    /// <summary>Cancels up to 100 of the caller's jobs; each is cancelled or refused on its own.</summary>
    /// <remarks>
    /// Each id is sent as `POST /pipeline/job/{job_id}/cancel` would send it, in request order, and committed on its own.
    /// `items` lists one result per id, in the order of `job_ids`: `status` 204 when cancelled, 404 `job_not_found` for
    /// an id that is not one of the caller's jobs (another user's job is not told apart from a missing one), 409
    /// `illegal_transition` for a job that has already ended. An id sent twice is cancelled once; its second item is
    /// the 409 of an ended job. The batch itself is refused (400) when `job_ids` is missing, empty, longer than 100, or
    /// holds something that is not a GUID. A write the database refuses (503) ends the batch as for submits: the later
    /// ids are 503 `not_attempted`.
    /// </remarks>
    /// <response code="200">One result per job id, in request order.</response>
    [HttpPost("jobs/cancel")]
    [RequireScope(ApiKeyScope.JobsWrite)]
    [EnableRateLimiting(RateLimitPolicies.PipelineBatch)]
    [Consumes("application/json")]
    [ProducesResponseType<CancelJobBatchResponse>(StatusCodes.Status200OK)]
    public async Task<IActionResult> CancelBatch(CancelJobBatchRequest request, CancellationToken cancellationToken)
    {
        var owner = User.RequireUserId();
        var answers = await SendItemsAsync(request.JobIds, jobId => new CancelJobCommand(owner, jobId), cancellationToken);
        var items = answers.Select((answer, index) => answer.Result is { IsSuccess: true }
            ? new CancelJobBatchItem(index, request.JobIds[index], StatusCodes.Status204NoContent, null)
            : new CancelJobBatchItem(index, request.JobIds[index], answer.Problem!.Status, answer.Problem)).ToList();

        var cancelled = items.Count(i => i.Problem is null);
        return Ok(new CancelJobBatchResponse(items, cancelled, items.Count - cancelled));
    }

    /// <summary>A job with its state history, logs and result.</summary>
    /// <response code="200">The job.</response>
    /// <response code="404">The caller has no job with this id.</response>
    [HttpGet("job/{job_id:guid}")]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotFound))]
    [RequireScope(ApiKeyScope.JobsRead)]
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
    [RequireScope(ApiKeyScope.JobsRead)]
    [ProducesResponseType<JobPageDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(
        [FromQuery] JobStatus? status,
        [FromQuery] JobPreset? preset,
        [FromQuery(Name = "created_from")] DateTimeOffset? createdFrom,
        [FromQuery(Name = "created_to")] DateTimeOffset? createdTo,
        [FromQuery] JobSortOrder? sort,
        [FromQuery] int? limit,
        [FromQuery] int? offset,
        CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListJobsQuery(User.RequireUserId(), status, preset, createdFrom, createdTo, sort, limit, offset), cancellationToken));

    /// <summary>Cancels a queued or running job.</summary>
    /// <response code="200">The cancelled job.</response>
    /// <response code="404">The caller has no job with this id.</response>
    /// <response code="409">The job has already ended.</response>
    [HttpPost("job/{job_id:guid}/cancel")]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotFound))]
    [Answers(typeof(JobErrors), nameof(JobErrors.IllegalTransition), JobStatus.Completed, JobStatus.Cancelled)]
    [RequireScope(ApiKeyScope.JobsWrite)]
    [ProducesResponseType<JobSummaryDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Cancel([FromRoute(Name = "job_id")] JobId jobId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new CancelJobCommand(User.RequireUserId(), jobId), cancellationToken), Ok);

    /// <summary>
    /// Sends each item's command in request order, each in a scope of its own, so each item commits alone and nothing
    /// one item tracked (a job it read, a change its failed commit left) is seen by the next. An item's refusal, or an
    /// exception its single route would answer as a problem, is kept as that item's problem; only what would be a 500
    /// there (a bug) ends the batch. Once the store refuses a write (a 503: busy, writes suspended, a commit not made
    /// durable) the later items are not sent: the answer says which ones were not attempted, so a client retries them
    /// and not the items already committed.
    /// </summary>
    private async Task<List<(Result<T>? Result, BatchItemProblem? Problem)>> SendItemsAsync<TItem, T>(
        IReadOnlyList<TItem> items, Func<TItem, ICommand<Result<T>>> commandFor, CancellationToken cancellationToken)
    {
        var answers = new List<(Result<T>? Result, BatchItemProblem? Problem)>(items.Count);
        foreach (var item in items)
        {
            if (answers.Count > 0 && answers[^1].Problem is { Status: StatusCodes.Status503ServiceUnavailable })
            {
                answers.Add((null, NotAttempted));
                continue;
            }

            answers.Add(await SendItemAsync(commandFor(item), cancellationToken));
        }

        return answers;
    }

    private static readonly BatchItemProblem NotAttempted = new(ProblemTypes.For("not_attempted"), "The item was not attempted.",
        StatusCodes.Status503ServiceUnavailable, "An earlier item of this batch found the database refusing writes, so this one was not sent. Nothing was changed for it; retry it later.", null);

    private async Task<(Result<T>? Result, BatchItemProblem? Problem)> SendItemAsync<T>(ICommand<Result<T>> command, CancellationToken cancellationToken)
    {
        try
        {
            var result = await SendInOwnScopeAsync(command, cancellationToken);
            return result.IsSuccess ? (result, null) : (result, ItemProblem(ProblemFor(result.Error)));
        }
        catch (Exception exception) when (exception is not OperationCanceledException
            && GlobalExceptionHandler.ProblemFor(exception, HttpContext) is { } problem)
        {
            if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            {
                HttpContext.RequestServices.GetRequiredService<ILogger<PipelineController>>()
                    .LogWarning("A batch item on {Path} was refused by the database ({Problem}); the later items are not attempted", HttpContext.Request.Path, problem.Type);
            }

            return (null, ItemProblem(problem));
        }
    }

    /// <summary>
    /// Sends a command in a DI scope of its own. Where the database does not serialise writers (SQL Server), a keyed
    /// command whose commit lost to an identical one's is answered <c>idempotency_key_in_flight</c>: the winner has
    /// committed by then, so it is sent once more, in a fresh scope, and replays the winner's answer. Identical batches
    /// at once then all list the same jobs instead of some items telling their client to send again.
    /// </summary>
    private async Task<Result<T>> SendInOwnScopeAsync<T>(ICommand<Result<T>> command, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = HttpContext.RequestServices.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<ISender>().Send(command, cancellationToken);
            if (result.IsSuccess || attempt == 2 || result.Error.Code != IdempotencyErrors.KeyInFlight.Code)
            {
                return result;
            }
        }
    }

    private static BatchItemProblem ItemProblem(ProblemDetails problem) =>
        new(problem.Type!, problem.Title!, problem.Status!.Value, problem.Detail!, (problem as ValidationProblemDetails)?.Errors.AsReadOnly());
}
