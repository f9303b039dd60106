using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs.Dtos;

/// <summary>The answer to a submission.</summary>
/// <param name="JobId">Its id.</param>
/// <param name="Status">Always `queued`.</param>
/// <param name="Message">What happens next.</param>
/// <param name="CheckStatusAt">A sensible time to poll `GET /pipeline/job/{job_id}`, or follow `/ws/job/{job_id}` instead.</param>
public sealed record JobSubmittedDto(JobId JobId, JobStatus Status, string Message, DateTimeOffset CheckStatusAt);
