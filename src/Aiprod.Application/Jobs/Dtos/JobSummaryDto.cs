using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A job as listed.</summary>
public sealed record JobSummaryDto(
    JobId JobId,
    JobStatus Status,
    JobPreset Preset,
    JobPriority Priority,
    string Lang,
    int DurationSec,
    int Progress,
    int RetryCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt);
