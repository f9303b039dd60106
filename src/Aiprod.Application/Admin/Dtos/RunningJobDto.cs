using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Admin.Dtos;

/// <summary>A job a worker holds.</summary>
/// <param name="JobId">The job.</param>
/// <param name="OwnerId">Whose job it is.</param>
/// <param name="WorkerKeyId">The API key of the worker holding it.</param>
/// <param name="LeaseExpiresAt">When it goes back to the queue unless the worker reports.</param>
/// <param name="Progress">The last reported progress.</param>
/// <param name="RetryCount">Lease lapses so far.</param>
/// <param name="StartedAt">Its first claim.</param>
public sealed record RunningJobDto(JobId JobId, UserId OwnerId, ApiKeyId? WorkerKeyId, DateTimeOffset? LeaseExpiresAt, int Progress, int RetryCount, DateTimeOffset? StartedAt);
