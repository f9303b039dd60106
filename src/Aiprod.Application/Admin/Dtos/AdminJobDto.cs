using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Admin.Dtos;

/// <summary>A job as an admin lists it: the owner's summary, with the owner.</summary>
/// <param name="JobId">The job.</param>
/// <param name="OwnerId">Whose job it is.</param>
/// <param name="Status">`queued`, `running`, `completed`, `failed` or `cancelled`.</param>
/// <param name="Preset">The preset.</param>
/// <param name="Priority">The priority.</param>
/// <param name="Lang">The language.</param>
/// <param name="DurationSec">The requested duration.</param>
/// <param name="Progress">0 to 100.</param>
/// <param name="RetryCount">Lease lapses so far.</param>
/// <param name="CreatedAt">Submitted at.</param>
/// <param name="UpdatedAt">Last changed at.</param>
/// <param name="CompletedAt">Ended at.</param>
public sealed record AdminJobDto(
    JobId JobId,
    UserId OwnerId,
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
