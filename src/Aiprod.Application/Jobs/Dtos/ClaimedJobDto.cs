using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A job a worker just claimed.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Content">What to produce.</param>
/// <param name="Preset">The production preset.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Lang">The language of the content.</param>
/// <param name="DurationSec">The length asked for, in seconds.</param>
/// <param name="RetryCount">How many earlier attempts lapsed.</param>
/// <param name="LeaseExpiresAt">Until when the worker holds it; a progress report renews it.</param>
/// <param name="ClaimId">This claim's identity, new on every claim: send it as `claim_id` with every report of this run, so that a report of an earlier claim of the same job (requeued, then claimed again by the same key) is refused instead of landing on this one. <example>0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10</example></param>
public sealed record ClaimedJobDto(
    JobId JobId,
    string Content,
    JobPreset Preset,
    JobPriority Priority,
    string Lang,
    int DurationSec,
    int RetryCount,
    DateTimeOffset LeaseExpiresAt,
    JobClaimId ClaimId);
