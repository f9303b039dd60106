using Aiprod.Api.OpenApi;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>An export to run in the background.</summary>
/// <param name="Format">`json`, `jsonl`, `csv` or `zip`.</param>
/// <param name="JobIds">The jobs to export (1 to 10,000 of the caller's); leave out to export by `filters`. Jobs of other users are never included.</param>
/// <param name="Filters">The filters of `GET /pipeline/jobs`; leave out (with `job_ids`) to export every job of the caller.</param>
/// <param name="Bom">Start a CSV with a UTF-8 byte order mark, for Excel (default false).</param>
/// <param name="Columns">The CSV's columns, in order, instead of the ones found from the stored outputs.</param>
[ValidatedAs(typeof(Aiprod.Application.Exports.Commands.CreateExport.CreateExportCommand))]
public sealed record CreateExportRequest(ExportFormat? Format, IReadOnlyList<JobId>? JobIds, ExportFilters? Filters, bool? Bom, IReadOnlyList<string>? Columns) : IRequestExample<CreateExportRequest>
{
    public static CreateExportRequest Example => new(ExportFormat.Csv, null, new ExportFilters(JobStatus.Completed, null, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), null), true, null);
}

/// <summary>Which of the caller's jobs an export holds, as `GET /pipeline/jobs` filters them.</summary>
/// <param name="Status">`queued`, `running`, `completed`, `failed` or `cancelled`.</param>
/// <param name="Preset">`quick_social`, `brand_campaign` or `premium_spot`.</param>
/// <param name="CreatedFrom">Created at or after (ISO 8601).</param>
/// <param name="CreatedTo">Created at or before (ISO 8601).</param>
public sealed record ExportFilters(JobStatus? Status, JobPreset? Preset, DateTimeOffset? CreatedFrom, DateTimeOffset? CreatedTo);
