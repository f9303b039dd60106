using Aiprod.Api.Authentication;
using Aiprod.Api.Exports;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Exports.Queries.ExportJob;
using Aiprod.Application.Exports.Queries.ExportJobs;
using Aiprod.Application.Exports.Queries.ListExportFormats;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>
/// Exports answered directly, streamed as they are written: one job, or up to `Exports:MaxDirectJobs` of the caller's
/// jobs. Larger sets are export jobs (`POST /exports`). A user's access token, or an API key with `exports:read`.
/// </summary>
public sealed class JobExportController : ApiControllerBase
{
    private const string ExportMediaTypes = "application/json";

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
    [HttpGet("pipeline/{job_id:guid}/export")]
    [RequireScope(ApiKeyScope.ExportsRead)]
    [EnableRateLimiting(RateLimitPolicies.DirectExport)]
    [ProducesResponseType(typeof(FileStreamResult), StatusCodes.Status200OK, ExportMediaTypes, "application/jsonl", "text/csv", "application/zip")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ExportJob(
        [FromRoute(Name = "job_id")] JobId jobId,
        [FromQuery] ExportFormat? format,
        [FromQuery] bool? bom,
        CancellationToken cancellationToken) =>
        ToActionResult(
            await Sender.Send(new ExportJobQuery(User.RequireUserId(), jobId, format ?? ExportFormat.Json, bom ?? false), cancellationToken),
            export => new DirectExportResult(export));

    /// <summary>The caller's jobs that pass the filters of `GET /pipeline/jobs`, oldest first, as one file streamed as it is written.</summary>
    /// <param name="format">`json` (default), `jsonl`, `csv` or `zip`.</param>
    /// <param name="status">`queued`, `running`, `completed`, `failed` or `cancelled`.</param>
    /// <param name="preset">`quick_social`, `brand_campaign` or `premium_spot`.</param>
    /// <param name="createdFrom">Created at or after (ISO 8601).</param>
    /// <param name="createdTo">Created at or before (ISO 8601).</param>
    /// <param name="bom">For `csv`: start the file with a UTF-8 byte order mark, for Excel.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">The file, with `Content-Disposition: attachment`.</response>
    /// <response code="413">More jobs than `Exports:MaxDirectJobs`: narrow the filters, or create an export job with `POST /exports`.</response>
    [HttpGet("jobs/export")]
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
        ToActionResult(
            await Sender.Send(new ExportJobsQuery(User.RequireUserId(), format ?? ExportFormat.Json, status, preset, createdFrom, createdTo, bom ?? false), cancellationToken),
            export => new DirectExportResult(export));
}
