using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A job a worker just claimed.</summary>
public sealed record ClaimedJobDto(
    JobId JobId,
    string Content,
    JobPreset Preset,
    JobPriority Priority,
    string Lang,
    int DurationSec,
    int RetryCount,
    DateTimeOffset LeaseExpiresAt);
