using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

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
            ordered.Where(e => e.Type == JobEventType.Log).Select(e => new JobLogDto(e.Sequence, e.OccurredAt, e.Level ?? JobLogLevel.Info, e.Message)).ToList(),
            job.DroppedLogCount,
            job.ResultSuccess is null ? null : new JobResultDto(
                job.ResultSuccess.Value,
                job.ResultOutput is null ? null : System.Text.Json.JsonDocument.Parse(job.ResultOutput).RootElement.Clone(),
                job.ErrorMessage,
                job.ExecutionTimeMs,
                job.CompletedAt));
    }
}
