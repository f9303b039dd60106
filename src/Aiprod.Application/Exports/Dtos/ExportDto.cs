using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Exports.Dtos;

/// <summary>How far an export came.</summary>
public sealed record ExportProgressDto(int JobsWritten, int JobsTotal, long BytesWritten);

/// <summary>An export as its owner sees it.</summary>
public sealed record ExportDto(
    ExportId ExportId,
    ExportStatus Status,
    ExportFormat Format,
    IReadOnlyList<JobId>? JobIds,
    JobStatus? FilterStatus,
    JobPreset? FilterPreset,
    DateTimeOffset? FilterCreatedFrom,
    DateTimeOffset? FilterCreatedTo,
    bool Bom,
    IReadOnlyList<string>? Columns,
    ExportProgressDto Progress,
    long? SizeBytes,
    string? Sha256,
    ExportFailure? ErrorCode,
    string? ErrorMessage,
    int Attempt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? ExpiresAt,
    string? DownloadUrl)
{
    public static ExportDto Of(ExportJob export) => new(
        export.Id,
        export.Status,
        export.Format,
        export.JobIds,
        export.StatusFilter,
        export.PresetFilter,
        export.CreatedFrom,
        export.CreatedTo,
        export.Bom,
        export.Columns,
        new ExportProgressDto(export.JobsWritten, export.JobsTotal, export.BytesWritten),
        export.SizeBytes,
        export.Sha256,
        export.Failure,
        export.ErrorMessage,
        export.Attempt,
        export.CreatedAt,
        export.StartedAt,
        export.CompletedAt,
        export.ExpiresAt,
        DownloadUrlOf(export.Id, export.Status));

    /// <summary>Where a succeeded export's file is downloaded; nothing before it succeeded or once it expired.</summary>
    public static string? DownloadUrlOf(ExportId id, ExportStatus status) => status == ExportStatus.Succeeded ? $"/exports/{id}/download" : null;
}

/// <summary>
/// Where an export stands, as its live socket sends it: without the request's job ids and columns, which can be
/// hundreds of kilobytes and do not change.
/// </summary>
public sealed record ExportStateDto(
    ExportId ExportId,
    ExportStatus Status,
    ExportProgressDto Progress,
    long? SizeBytes,
    string? Sha256,
    ExportFailure? ErrorCode,
    string? ErrorMessage,
    int Attempt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? ExpiresAt)
{
    public string? DownloadUrl => ExportDto.DownloadUrlOf(ExportId, Status);
}

/// <summary>One page of the owner's exports.</summary>
public sealed record ExportPageDto(IReadOnlyList<ExportDto> Items, int Total, int Limit, int Offset);

/// <summary>The answer to <c>POST /exports</c>: the export, and whether it is the one an earlier request with the same key created.</summary>
public sealed record ExportAcceptedDto(ExportDto Export, bool Replayed);

/// <summary>A succeeded export's file, opened for one download.</summary>
public sealed record ExportDownload(Stream Content, long Length, string FileName, string MediaType, string Sha256, DateTimeOffset LastModified);

/// <summary>What a runner needs to write an export it claimed.</summary>
public sealed record ClaimedExport(ExportId ExportId, int Attempt, ExportFormat Format, Abstractions.ExportSelection Selection, Abstractions.ExportWriteOptions Options);
