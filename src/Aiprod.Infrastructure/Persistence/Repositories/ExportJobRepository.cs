using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class ExportJobRepository(AiprodDbContext db) : IExportJobRepository
{
    public void Add(ExportJob export) => db.ExportJobs.Add(export);

    public void Remove(ExportJob export) => db.ExportJobs.Remove(export);

    public Task<ExportJob?> FindOwnedAsync(UserId ownerId, ExportId id, CancellationToken cancellationToken) =>
        db.ExportJobs.FirstOrDefaultAsync(e => e.Id == id && e.OwnerId == ownerId, cancellationToken);

    public Task<ExportStateDto?> FindOwnedStateAsync(UserId ownerId, ExportId id, CancellationToken cancellationToken) =>
        db.ExportJobs.AsNoTracking()
            .Where(e => e.Id == id && e.OwnerId == ownerId)
            .Select(e => new ExportStateDto(e.Id, e.Status, new ExportProgressDto(e.JobsWritten, e.JobsTotal, e.BytesWritten), e.SizeBytes, e.Sha256,
                e.Failure, e.ErrorMessage, e.Attempt, e.StartedAt, e.CompletedAt, e.ExpiresAt))
            .FirstOrDefaultAsync(cancellationToken);

    public Task<ExportJob?> FindAsync(ExportId id, CancellationToken cancellationToken) =>
        db.ExportJobs.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);

    public Task<ExportJob?> FindByIdempotencyKeyAsync(UserId ownerId, string idempotencyKey, CancellationToken cancellationToken) =>
        db.ExportJobs.FirstOrDefaultAsync(e => e.OwnerId == ownerId && e.IdempotencyKey == idempotencyKey, cancellationToken);

    public async Task<(IReadOnlyList<ExportJob> Items, int Total)> ListAsync(UserId ownerId, ExportStatus? status, int limit, int offset, CancellationToken cancellationToken)
    {
        var query = db.ExportJobs.AsNoTracking().Where(e => e.OwnerId == ownerId);
        if (status is { } wanted)
        {
            query = query.Where(e => e.Status == wanted);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return (items, total);
    }

    public Task<bool> AnyClaimableAsync(DateTimeOffset now, int maxRunningPerOwner, CancellationToken cancellationToken) =>
        Claimable(db.ExportJobs.AsNoTracking(), now, maxRunningPerOwner).AnyAsync(cancellationToken);

    public Task<int> QueuedCountAsync(UserId ownerId, int upTo, CancellationToken cancellationToken) =>
        db.ExportJobs.Where(e => e.OwnerId == ownerId && e.Status == ExportStatus.Queued).Take(upTo).CountAsync(cancellationToken);

    public async Task<IReadOnlyList<ExportJob>> ClaimableAsync(DateTimeOffset now, int maxRunningPerOwner, int take, CancellationToken cancellationToken)
    {
        // As the job claim: on SQL Server, inside the claim's transaction, lock the candidates and skip rows another
        // claim locked; SQLite needs no hint, the claim's transaction being the only writer.
        var table = db.Database.IsSqlServer() && db.Database.CurrentTransaction is not null
            ? db.ExportJobs.FromSqlRaw("SELECT * FROM [export_jobs] WITH (UPDLOCK, READPAST, ROWLOCK)")
            : db.ExportJobs;
        return await Claimable(table, now, maxRunningPerOwner).OrderBy(e => e.CreatedAt).ThenBy(e => e.Id).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Queued exports and running ones under a lapsed lease, of owners below the running cap. The cap is part of the
    /// query, not a filter over its first rows: otherwise the oldest exports of one capped owner would fill every
    /// candidate list and no other owner's export would start until that owner's queue drained.
    /// </summary>
    private IQueryable<ExportJob> Claimable(IQueryable<ExportJob> table, DateTimeOffset now, int maxRunningPerOwner) =>
        table.Where(e => (e.Status == ExportStatus.Queued || (e.Status == ExportStatus.Running && e.LeaseExpiresAt != null && e.LeaseExpiresAt <= now))
            && db.ExportJobs.Count(r => r.OwnerId == e.OwnerId && r.Status == ExportStatus.Running && r.LeaseExpiresAt != null && r.LeaseExpiresAt > now) < maxRunningPerOwner);

    public async Task<IReadOnlyList<ExportJob>> PastRetentionAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        await db.ExportJobs.Where(e => e.Status == ExportStatus.Succeeded && e.ExpiresAt != null && e.ExpiresAt <= now)
            .OrderBy(e => e.ExpiresAt).Take(take).ToListAsync(cancellationToken);
}
