using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>The acknowledgement of a worker's report.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Status">Its state now.</param>
/// <param name="LeaseExpiresAt">Until when the worker holds it; report again before then.</param>
public sealed record WorkerAckDto(JobId JobId, JobStatus Status, DateTimeOffset? LeaseExpiresAt);
