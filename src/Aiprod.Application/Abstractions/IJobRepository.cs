using Aiprod.Application.Jobs;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

/// <summary>Filters and order of a job listing; without an owner, every user's jobs (an admin's listing).</summary>
public sealed record JobListFilter(
    UserId? OwnerId,
    JobStatus? Status,
    JobPreset? Preset,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    JobSortOrder Sort,
    int Limit,
    int Offset);

public interface IJobRepository
{
    void Add(PipelineJob job);

    /// <summary>The owner's job, with its events when asked; another owner's job is "not found".</summary>
    Task<PipelineJob?> FindOwnedAsync(UserId ownerId, JobId jobId, bool withEvents, CancellationToken cancellationToken);

    /// <summary>A job by id, without its events, for the worker that holds it or an admin.</summary>
    Task<PipelineJob?> FindAsync(JobId jobId, CancellationToken cancellationToken);

    Task<(IReadOnlyList<PipelineJob> Items, int Total)> ListAsync(JobListFilter filter, CancellationToken cancellationToken);

    /// <summary>Queued jobs, highest priority first, then oldest; only <paramref name="ownerId"/>'s when given.</summary>
    Task<IReadOnlyList<PipelineJob>> NextQueuedAsync(UserId? ownerId, int take, CancellationToken cancellationToken);

    /// <summary>Whether any job (of <paramref name="ownerId"/>, or of anyone when null) is queued; reads no row.</summary>
    Task<bool> AnyQueuedAsync(UserId? ownerId, CancellationToken cancellationToken);

    /// <summary>
    /// How many of the owner's jobs wait in the queue, counted up to <paramref name="upTo"/>: a check against a cap
    /// reads at most the cap's worth of index entries, however long the owner's queue has grown.
    /// </summary>
    Task<int> QueuedCountAsync(UserId ownerId, int upTo, CancellationToken cancellationToken);

    Task<IReadOnlyList<PipelineJob>> WithLapsedLeasesAsync(DateTimeOffset now, int take, CancellationToken cancellationToken);

    Task<IReadOnlyList<JobEvent>> EventsAfterAsync(JobId jobId, long afterSequence, int take, CancellationToken cancellationToken);
}
