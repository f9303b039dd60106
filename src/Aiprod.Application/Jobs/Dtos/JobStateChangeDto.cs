using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A state change in a job's history.</summary>
public sealed record JobStateChangeDto(long EventId, DateTimeOffset At, JobStatus? From, JobStatus To, string? Message);
