using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>The answer to a submission.</summary>
/// <param name="JobId">Its id.</param>
/// <param name="Status">Always `queued`.</param>
/// <param name="Message">What happens next.</param>
/// <param name="CheckStatusAt">A sensible time to poll `GET /pipeline/job/{job_id}`, or follow `/ws/job/{job_id}` instead.</param>
public sealed record JobSubmittedDto(Guid JobId, JobStatus Status, string Message, DateTimeOffset CheckStatusAt);

/// <summary>A state change in a job's history.</summary>
public sealed record JobStateChangeDto(long EventId, DateTimeOffset At, JobStatus? From, JobStatus To, string? Message);

/// <summary>A log line of a job.</summary>
public sealed record JobLogDto(long EventId, DateTimeOffset At, string Level, string? Message);

/// <summary>What the worker produced.</summary>
/// <param name="Success">Whether the job succeeded.</param>
/// <param name="Output">The worker's output (a JSON document), when it completed.</param>
/// <param name="ErrorMessage">Why it failed.</param>
/// <param name="ExecutionTimeMs">How long the work took.</param>
/// <param name="CompletedAt">When it ended.</param>
public sealed record JobResultDto(bool Success, System.Text.Json.JsonElement? Output, string? ErrorMessage, long? ExecutionTimeMs, DateTimeOffset? CompletedAt);

/// <summary>A job as listed.</summary>
public sealed record JobSummaryDto(
    Guid JobId,
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

/// <summary>A job with its history, logs and result.</summary>
public sealed record JobDetailsDto(
    Guid JobId,
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

/// <summary>A page of jobs.</summary>
/// <param name="Items">The jobs of this page.</param>
/// <param name="Total">How many jobs match the filters.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Offset">Jobs skipped.</param>
public sealed record JobPageDto(IReadOnlyList<JobSummaryDto> Items, int Total, int Limit, int Offset);

/// <summary>A job a worker just claimed.</summary>
public sealed record ClaimedJobDto(
    Guid JobId,
    string Content,
    JobPreset Preset,
    JobPriority Priority,
    string Lang,
    int DurationSec,
    int RetryCount,
    DateTimeOffset LeaseExpiresAt);

/// <summary>The acknowledgement of a worker's report.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Status">Its state now.</param>
/// <param name="LeaseExpiresAt">Until when the worker holds it; report again before then.</param>
public sealed record WorkerAckDto(Guid JobId, JobStatus Status, DateTimeOffset? LeaseExpiresAt);

/// <summary>
/// A job event as subscribers see it. `type` is `state_changed`, `progress` or `log`; `event_id` numbers the
/// job's events from 1 (pass the last one seen as `last_event_id` to resume).
/// </summary>
public sealed record JobEventDto(
    string Type,
    Guid JobId,
    long EventId,
    DateTimeOffset At,
    JobStatus? From = null,
    JobStatus? Status = null,
    int? Progress = null,
    string? Level = null,
    string? Message = null)
{
    public static JobEventDto Of(JobEvent e) => new(
        e.Type switch { JobEventType.StateChanged => "state_changed", JobEventType.Progress => "progress", _ => "log" },
        e.JobId,
        e.Sequence,
        e.OccurredAt,
        e.FromStatus,
        e.ToStatus,
        e.Progress,
        e.Level,
        e.Message);
}

/// <summary>A job's current state, for a subscriber's `connected` and `status` messages.</summary>
public sealed record JobSnapshotDto(Guid JobId, JobStatus Status, int Progress, long LastEventId, DateTimeOffset UpdatedAt);

public static class JobMapping
{
    public static JobSummaryDto ToSummary(this PipelineJob job) => new(
        job.Id, job.Status, job.Preset, job.Priority, job.Lang, job.DurationSec, job.Progress, job.RetryCount, job.CreatedAt, job.UpdatedAt, job.CompletedAt);

    public static JobSnapshotDto ToSnapshot(this PipelineJob job) => new(job.Id, job.Status, job.Progress, job.LastEventSequence, job.UpdatedAt);

    public static JobDetailsDto ToDetails(this PipelineJob job)
    {
        var ordered = job.Events.OrderBy(e => e.Sequence).ToList();
        return new JobDetailsDto(
            job.Id, job.Status, job.Content, job.Preset, job.Priority, job.Lang, job.DurationSec, job.Progress, job.RetryCount,
            job.CreatedAt, job.UpdatedAt, job.StartedAt, job.LeaseExpiresAt, job.LastEventSequence,
            ordered.Where(e => e.Type == JobEventType.StateChanged).Select(e => new JobStateChangeDto(e.Sequence, e.OccurredAt, e.FromStatus, e.ToStatus!.Value, e.Message)).ToList(),
            ordered.Where(e => e.Type == JobEventType.Log).Select(e => new JobLogDto(e.Sequence, e.OccurredAt, e.Level ?? "info", e.Message)).ToList(),
            job.DroppedLogCount,
            job.ResultSuccess is null ? null : new JobResultDto(
                job.ResultSuccess.Value,
                job.ResultOutput is null ? null : System.Text.Json.JsonDocument.Parse(job.ResultOutput).RootElement.Clone(),
                job.ErrorMessage,
                job.ExecutionTimeMs,
                job.CompletedAt));
    }
}
