using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>
/// A job event as subscribers see it. `type` is `state_changed`, `progress` or `log`; `event_id` numbers the
/// job's events from 1 (pass the last one seen as `last_event_id` to resume).
/// </summary>
public sealed record JobEventDto(
    string Type,
    JobId JobId,
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
