using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class JobRepository(AiprodDbContext db) : IJobRepository
{
    // The queries every worker report and claim runs, compiled once (per model: PerModelQuery) instead of looked up by
    // expression each time.
    private static readonly PerModelQuery<Func<AiprodDbContext, JobId, CancellationToken, Task<PipelineJob?>>> ById = new(() => EF.CompileAsyncQuery(
        (AiprodDbContext db, JobId jobId, CancellationToken cancellationToken) => db.PipelineJobs.FirstOrDefault(j => j.Id == jobId)));

    private static readonly PerModelQuery<Func<AiprodDbContext, int, IAsyncEnumerable<PipelineJob>>> Queued = new(() => EF.CompileAsyncQuery(
        (AiprodDbContext db, int take) => db.PipelineJobs.Where(j => j.Status == JobStatus.Queued)
            .OrderByDescending(j => j.Priority).ThenBy(j => j.CreatedAt).Take(take)));

    private static readonly PerModelQuery<Func<AiprodDbContext, UserId, int, IAsyncEnumerable<PipelineJob>>> QueuedOf = new(() => EF.CompileAsyncQuery(
        (AiprodDbContext db, UserId ownerId, int take) => db.PipelineJobs.Where(j => j.Status == JobStatus.Queued && j.OwnerId == ownerId)
            .OrderByDescending(j => j.Priority).ThenBy(j => j.CreatedAt).Take(take)));

    // Every submit runs it under the write lock: compiled, it skips the expression's parameter extraction and cache
    // lookup there.
    private static readonly PerModelQuery<Func<AiprodDbContext, UserId, int, CancellationToken, Task<int>>> QueuedCount = new(() => EF.CompileAsyncQuery(
        (AiprodDbContext db, UserId ownerId, int upTo, CancellationToken cancellationToken) =>
            db.PipelineJobs.Where(j => j.Status == JobStatus.Queued && j.OwnerId == ownerId).Take(upTo).Count()));

    public void Add(PipelineJob job) => db.PipelineJobs.Add(job);

    public Task<PipelineJob?> FindOwnedAsync(UserId ownerId, JobId jobId, bool withEvents, CancellationToken cancellationToken)
    {
        var query = db.PipelineJobs.Where(j => j.Id == jobId && j.OwnerId == ownerId);
        return (withEvents ? query.Include(j => j.Events) : query).FirstOrDefaultAsync(cancellationToken);
    }

    public Task<PipelineJob?> FindAsync(JobId jobId, CancellationToken cancellationToken) => ById.For(db)(db, jobId, cancellationToken);

    public async Task<(IReadOnlyList<PipelineJob> Items, int Total)> ListAsync(JobListFilter filter, CancellationToken cancellationToken)
    {
        var query = db.PipelineJobs.AsNoTracking();
        if (filter.OwnerId is { } owner)
        {
            query = query.Where(j => j.OwnerId == owner);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(j => j.Status == status);
        }

        if (filter.Preset is { } preset)
        {
            query = query.Where(j => j.Preset == preset);
        }

        if (filter.CreatedFrom is { } from)
        {
            query = query.Where(j => j.CreatedAt >= from);
        }

        if (filter.CreatedTo is { } to)
        {
            query = query.Where(j => j.CreatedAt <= to);
        }

        var total = await query.CountAsync(cancellationToken);
        query = filter.Sort switch
        {
            JobSortOrder.CreatedAtDescending => query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id),
            JobSortOrder.CreatedAtAscending => query.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id),
            JobSortOrder.PriorityAscending => query.OrderBy(j => j.Priority).ThenByDescending(j => j.CreatedAt),
            JobSortOrder.PriorityDescending => query.OrderByDescending(j => j.Priority).ThenByDescending(j => j.CreatedAt),
            JobSortOrder.UpdatedAtAscending => query.OrderBy(j => j.UpdatedAt).ThenBy(j => j.Id),
            JobSortOrder.UpdatedAtDescending => query.OrderByDescending(j => j.UpdatedAt).ThenByDescending(j => j.Id),
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Sort, "Not a member of JobSortOrder."),
        };
        var items = await query.Skip(filter.Offset).Take(filter.Limit).ToListAsync(cancellationToken);
        return (items, total);
    }

    public async Task<IReadOnlyList<PipelineJob>> NextQueuedAsync(UserId? ownerId, int take, CancellationToken cancellationToken)
    {
        // On SQLite the claim reads inside the transaction that holds the write lock (IDecidesUnderWriteLock). On
        // SQL Server, whose retrying strategy allows no transaction of ours, the read locks nothing: the claim's
        // version check decides between workers that read the same job. Both run the same compiled query.
        var found = new List<PipelineJob>(take);
        await foreach (var job in (ownerId is { } only ? QueuedOf.For(db)(db, only, take) : Queued.For(db)(db, take)).WithCancellation(cancellationToken))
        {
            found.Add(job);
        }

        return found;
    }

    public Task<bool> AnyQueuedAsync(UserId? ownerId, CancellationToken cancellationToken) =>
        ownerId is { } owner
            ? db.PipelineJobs.AnyAsync(j => j.Status == JobStatus.Queued && j.OwnerId == owner, cancellationToken)
            : db.PipelineJobs.AnyAsync(j => j.Status == JobStatus.Queued, cancellationToken);

    public Task<int> QueuedCountAsync(UserId ownerId, int upTo, CancellationToken cancellationToken) =>
        QueuedCount.For(db)(db, ownerId, upTo, cancellationToken);

    public async Task<IReadOnlyList<PipelineJob>> WithLapsedLeasesAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        await db.PipelineJobs.Where(j => j.Status == JobStatus.Running && j.LeaseExpiresAt != null && j.LeaseExpiresAt <= now)
            .OrderBy(j => j.LeaseExpiresAt).Take(take).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<JobEvent>> EventsAfterAsync(JobId jobId, long afterSequence, int take, CancellationToken cancellationToken) =>
        await db.JobEvents.AsNoTracking().Where(e => e.JobId == jobId && e.Sequence > afterSequence)
            .OrderBy(e => e.Sequence).Take(take).ToListAsync(cancellationToken);
}
