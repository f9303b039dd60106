using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A job with its history, logs and result.</summary>
public sealed record JobDetailsDto(
    JobId JobId,
    JobStatus Status,
    string Content,
    JobPreset Preset,
    JobPriority Priority,
    string Lang,
    int DurationSec,
    int Progress,
    int RetryCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LeaseExpiresAt,
    long LastEventId,
    IReadOnlyList<JobStateChangeDto> StateHistory,
    IReadOnlyList<JobLogDto> Logs,
    int DroppedLogLines,
    JobResultDto? Result);
