using Aiprod.Api.Authentication;
using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.OpenApi;
using Aiprod.Api.Setup;
using Aiprod.Application.Exports;
using Aiprod.Application.Exports.Commands.CancelExport;
using Aiprod.Application.Exports.Commands.CreateExport;
using Aiprod.Application.Exports.Commands.DeleteExport;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Application.Exports.Queries.GetExport;
using Aiprod.Application.Exports.Queries.ListExports;
using Aiprod.Application.Exports.Queries.OpenExportDownload;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Exports;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;

namespace Aiprod.Api.Controllers;

/// <summary>
/// Export jobs, for their owner: a user's access token, or an API key with `exports:read`. Creating one needs no
/// other scope: it writes nothing but a file of jobs the key may already read, and only its owner can fetch it.
/// </summary>
[Route("exports")]
[RequireScope(ApiKeyScope.ExportsRead)]
[EnableRateLimiting(RateLimitPolicies.ExportJobs)]
public sealed class ExportsController : ApiControllerBase
{
    /// <summary>Queues an export of the caller's jobs; a background runner writes it to a file.</summary>
    /// <param name="request">The format and which jobs.</param>
    /// <param name="idempotencyKey">Makes a retry safe: the same key and body answer the first export, the same key with another body is 422. One key, sent once (a repeated header or a comma list is 400).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="202">Queued, or the export an earlier request with the same `Idempotency-Key` created (then `Idempotent-Replayed: true`).</response>
    /// <response code="409">Another request with the same `Idempotency-Key` is being processed; send it again.</response>
    /// <response code="422">The `Idempotency-Key` was used with another body.</response>
    [HttpPost]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.IdempotencyKeyReused))]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.IdempotencyKeyInFlight))]
    [Answers(typeof(ExportErrors), nameof(ExportErrors.TooManyQueuedExports), 20)]
    [EnableRateLimiting(RateLimitPolicies.ExportJobsCreate)]
    [Consumes("application/json")]
    [ProducesResponseType<ExportDto>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IActionResult> Create(CreateExportRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken cancellationToken)
    {
        var filters = request.Filters;
        var result = await Sender.Send(new CreateExportCommand(User.RequireUserId(), request.Format, request.JobIds, filters?.Status, filters?.Preset,
            filters?.CreatedFrom, filters?.CreatedTo, request.Bom, request.Columns, IdempotencyKeyOf(idempotencyKey)), cancellationToken);
        return ToActionResult(result, accepted =>
        {
            if (accepted.Replayed)
            {
                Response.Headers["Idempotent-Replayed"] = "true";
            }

            return Accepted($"/exports/{accepted.Export.ExportId}", accepted.Export);
        });
    }

    /// <summary>An export: its state, progress, size, SHA-256, expiry and error code.</summary>
    /// <response code="200">The export.</response>
    /// <response code="404">The caller has no export with this id.</response>
    [HttpGet("{export_id:guid}")]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.NotFound))]
    [ProducesResponseType<ExportDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> Get([FromRoute(Name = "export_id")] ExportId exportId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new GetExportQuery(User.RequireUserId(), exportId), cancellationToken), Ok);

    /// <summary>The caller's exports, newest first.</summary>
    /// <param name="status">`queued`, `running`, `succeeded`, `failed`, `cancelled` or `expired`.</param>
    /// <param name="limit">Page size, 1 to 100 (default 20).</param>
    /// <param name="offset">Exports to skip (default 0).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    [HttpGet]
    [ProducesResponseType<ExportPageDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List([FromQuery] ExportStatus? status, [FromQuery] int? limit, [FromQuery] int? offset, CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListExportsQuery(User.RequireUserId(), status, limit, offset), cancellationToken));

    /// <summary>Stops a queued or running export, on whichever instance it runs; its partial file is removed.</summary>
    /// <response code="200">The cancelled export.</response>
    /// <response code="404">The caller has no export with this id.</response>
    /// <response code="409">The export has already ended.</response>
    [HttpPost("{export_id:guid}/cancel")]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.NotFound))]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.IllegalTransition), ExportStatus.Succeeded, ExportStatus.Cancelled)]
    [ProducesResponseType<ExportDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Cancel([FromRoute(Name = "export_id")] ExportId exportId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new CancelExportCommand(User.RequireUserId(), exportId), cancellationToken), Ok);

    /// <summary>Deletes an export and its file; a running one stops.</summary>
    /// <response code="204">Deleted.</response>
    /// <response code="404">The caller has no export with this id.</response>
    /// <response code="503">The export storage did not answer in time (`storage_unavailable`); the export is kept. Send the delete again: its file may already be gone.</response>
    [HttpDelete("{export_id:guid}")]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.NotFound))]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.StorageUnavailable))]
    public async Task<IActionResult> Delete([FromRoute(Name = "export_id")] ExportId exportId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new DeleteExportCommand(User.RequireUserId(), exportId), cancellationToken), _ => NoContent());

    /// <summary>
    /// The export's file, whole or in byte ranges (`Range`, `If-Range`), so a broken download resumes. `ETag` is the
    /// file's SHA-256. Only a succeeded export has a file: the runner makes it visible only once it is whole.
    /// </summary>
    /// <response code="200">The file.</response>
    /// <response code="206">The ranges asked for.</response>
    /// <response code="404">The caller has no export with this id.</response>
    /// <response code="409">The export has not succeeded (queued, running, failed or cancelled).</response>
    /// <response code="410">The file was deleted after its retention; the export's metadata stays.</response>
    /// <response code="416">The range lies outside the file.</response>
    /// <response code="503">The export storage did not answer in time (`storage_unavailable`, with `Retry-After`).</response>
    [HttpGet("{export_id:guid}/download")]
    [HttpHead("{export_id:guid}/download")]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.NotFound))]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.NotReady), ExportStatus.Running)]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.Expired))]
    [ProducesResponseType<FileStreamResult>(StatusCodes.Status200OK, "application/octet-stream")]
    [ProducesResponseType(StatusCodes.Status206PartialContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status410Gone, "application/problem+json")]
    [ProducesResponseType(StatusCodes.Status416RangeNotSatisfiable)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.StorageUnavailable))]
    public async Task<IActionResult> Download([FromRoute(Name = "export_id")] ExportId exportId, CancellationToken cancellationToken)
    {
        var isGet = HttpMethods.IsGet(Request.Method);
        var opened = await Sender.Send(new OpenExportDownloadQuery(User.RequireUserId(), exportId, Record: isGet), cancellationToken);
        if (!opened.IsSuccess)
        {
            return Problem(opened.Error);
        }

        var file = opened.Value;
        Response.Headers.CacheControl = "private, no-cache";

        // The framework's file result answers Range (206, several ranges as multipart), If-Range, If-None-Match and
        // 416 from the ETag and the seekable stream, and sends no body to a HEAD; it disposes the stream.
        return File(file.Content, file.MediaType, file.FileName, file.LastModified, new EntityTagHeaderValue($"\"{file.Sha256}\""), enableRangeProcessing: true);
    }
}
