namespace Aiprod.Application.Admin.Dtos;

/// <summary>The queue at a glance.</summary>
/// <param name="Counts">Every user's jobs by status.</param>
/// <param name="OldestQueuedAt">When the oldest queued job was submitted; null when nothing waits.</param>
/// <param name="OldestQueuedAgeSeconds">How long it has waited.</param>
/// <param name="Running">Running jobs (at most 100, the soonest lease expiry first), with the worker key and lease.</param>
/// <param name="LapsedLeasesLastHour">Leases that lapsed in the last hour (the worker went silent), from the audit log.</param>
/// <param name="RetriesLastHour">Of those, the jobs put back in the queue for another attempt (the rest failed, their retries spent).</param>
/// <param name="RequeuedLastHour">Failed jobs an admin requeued in the last hour.</param>
public sealed record JobsOverviewDto(
    JobCountsDto Counts,
    DateTimeOffset? OldestQueuedAt,
    long? OldestQueuedAgeSeconds,
    IReadOnlyList<RunningJobDto> Running,
    int LapsedLeasesLastHour,
    int RetriesLastHour,
    int RequeuedLastHour);
