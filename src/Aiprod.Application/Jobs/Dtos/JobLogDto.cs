using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A log line of a job.</summary>
public sealed record JobLogDto(long EventId, DateTimeOffset At, JobLogLevel Level, string? Message);
