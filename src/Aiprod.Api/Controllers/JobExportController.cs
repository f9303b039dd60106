using Aiprod.Api.Authentication;
using Aiprod.Api.Exports;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Exports;
using Aiprod.Application.Exports.Queries.ExportJob;
using Aiprod.Application.Exports.Queries.ExportJobs;
using Aiprod.Application.Exports.Queries.ListExportFormats;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Api.OpenApi;

namespace Aiprod.Api.Controllers;

/// <summary>
/// Exports answered directly, streamed as they are written: one job, or up to `Exports:MaxDirectJobs` of the caller's
/// jobs. Larger sets are export jobs (`POST /exports`). A user's access token, or an API key with `exports:read`.
/// </summary>
public sealed class JobExportController : ApiControllerBase
{
    private const string ExportMediaTypes = "application/json";

    /// <summary>A guess: a direct export of the usual size is done within seconds.</summary>
    private const string RetryAfterSeconds = "5";

    /// <summary>The export formats: media type, file extension, what the file holds, whether it streams, and the limits.</summary>
    /// <response code="200">Every format.</response>
    [HttpGet("export/formats")]
    [AllowAnonymous]
    [EnableRateLimiting(RateLimitPolicies.PublicRead)]
    [ProducesResponseType<IReadOnlyList<ExportFormatDto>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Formats(CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListExportFormatsQuery(), cancellationToken));

    /// <summary>One job as a file: its state history, logs and result, streamed as it is written.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="format">`json` (default), `jsonl`, `csv` or `zip`.</param>
    /// <param name="bom">For `csv`: start the file with a UTF-8 byte order mark, for Excel.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">The file, with `Content-Disposition: attachment`.</response>
    /// <response code="404">The caller has no job with this id.</response>
    /// <response code="429">The caller already has `Exports:MaxConcurrentDirectPerUser` direct exports running (`too_many_direct_exports`); retry after `Retry-After`.</response>
    [HttpGet("pipeline/{job_id:guid}/export")]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotFound))]
    [Answers(typeof(ExportErrors), nameof(ExportErrors.TooManyDirectExports), 2)]
    [RequireScope(ApiKeyScope.ExportsRead)]
    [EnableRateLimiting(RateLimitPolicies.DirectExport)]
    [ProducesResponseType(typeof(FileStreamResult), StatusCodes.Status200OK, ExportMediaTypes, "application/jsonl", "text/csv", "application/zip")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ExportJob(
        [FromRoute(Name = "job_id")] JobId jobId,
        [FromQuery] ExportFormat? format,
        [FromQuery] bool? bom,
        CancellationToken cancellationToken) =>
        await GatedAsync(async user => await Sender.Send(new ExportJobQuery(user, jobId, format ?? ExportFormat.Json, bom ?? false), cancellationToken));

    /// <summary>The caller's jobs that pass the filters of `GET /pipeline/jobs`, oldest first, as one file streamed as it is written.</summary>
    /// <param name="format">`json` (default), `jsonl`, `csv` or `zip`.</param>
    /// <param name="status">`queued`, `running`, `completed`, `failed` or `cancelled`.</param>
    /// <param name="preset">`quick_social`, `brand_campaign` or `premium_spot`.</param>
    /// <param name="createdFrom">Created at or after (ISO 8601).</param>
    /// <param name="createdTo">Created at or before (ISO 8601).</param>
    /// <param name="bom">For `csv`: start the file with a UTF-8 byte order mark, for Excel.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">The file, with `Content-Disposition: attachment`.</response>
    /// <response code="413">More jobs than `Exports:MaxDirectJobs`, or for `zip` than `Exports:MaxZipJobs`: narrow the filters, or create an export job with `POST /exports`.</response>
    /// <response code="429">The caller already has `Exports:MaxConcurrentDirectPerUser` direct exports running (`too_many_direct_exports`); retry after `Retry-After`.</response>
    [HttpGet("jobs/export")]
    [Answers(typeof(ExportErrors), nameof(ExportErrors.TooManyJobsForDirectExport), 12_000, 10_000)]
    [Answers(typeof(ExportErrors), nameof(ExportErrors.TooManyJobsForZip), 12_000, 10_000)]
    [Answers(typeof(ExportErrors), nameof(ExportErrors.TooManyDirectExports), 2)]
    [RequireScope(ApiKeyScope.ExportsRead)]
    [EnableRateLimiting(RateLimitPolicies.DirectExport)]
    [ProducesResponseType(typeof(FileStreamResult), StatusCodes.Status200OK, ExportMediaTypes, "application/jsonl", "text/csv", "application/zip")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    public async Task<IActionResult> ExportJobs(
        [FromQuery] ExportFormat? format,
        [FromQuery] JobStatus? status,
        [FromQuery] JobPreset? preset,
        [FromQuery(Name = "created_from")] DateTimeOffset? createdFrom,
        [FromQuery(Name = "created_to")] DateTimeOffset? createdTo,
        [FromQuery] bool? bom,
        CancellationToken cancellationToken) =>
        await GatedAsync(async user => await Sender.Send(new ExportJobsQuery(user, format ?? ExportFormat.Json, status, preset, createdFrom, createdTo, bom ?? false), cancellationToken));

    /// <summary>Runs the export in one of the caller's direct-export slots, or answers 429 when all are taken.</summary>
    private async Task<IActionResult> GatedAsync(Func<UserId, Task<Result<DirectExport>>> send)
    {
        var user = User.RequireUserId();
        var gate = HttpContext.RequestServices.GetRequiredService<DirectExportGate>();
        var slot = gate.TryEnter(user);
        if (slot is null)
        {
            Response.Headers.RetryAfter = RetryAfterSeconds;
            return Problem(ExportErrors.TooManyDirectExports(gate.Max));
        }

        // Given back when the request ends: after the file's last byte, or at once for a problem answer.
        Response.RegisterForDispose(slot);
        return ToActionResult(await send(user), export => new DirectExportResult(export));
    }
}
