using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A job's current state, for a subscriber's `connected` and `status` messages.</summary>
public sealed record JobSnapshotDto(JobId JobId, JobStatus Status, int Progress, long LastEventId, DateTimeOffset UpdatedAt);
