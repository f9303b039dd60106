using Aiprod.Application.Abstractions;
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

    public Task<bool> AnyClaimableAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ExportJobs.AsNoTracking()
            .AnyAsync(e => e.Status == ExportStatus.Queued || (e.Status == ExportStatus.Running && e.LeaseExpiresAt != null && e.LeaseExpiresAt <= now), cancellationToken);

    public async Task<IReadOnlyList<ExportJob>> ClaimableAsync(DateTimeOffset now, int take, CancellationToken cancellationToken)
    {
        // As the job claim: on SQL Server, inside the claim's transaction, lock the candidates and skip rows another
        // claim locked; SQLite needs no hint, the claim's transaction being the only writer.
        var table = db.Database.IsSqlServer() && db.Database.CurrentTransaction is not null
            ? db.ExportJobs.FromSqlRaw("SELECT * FROM [export_jobs] WITH (UPDLOCK, READPAST, ROWLOCK)")
            : db.ExportJobs;
        return await table
            .Where(e => e.Status == ExportStatus.Queued || (e.Status == ExportStatus.Running && e.LeaseExpiresAt != null && e.LeaseExpiresAt <= now))
            .OrderBy(e => e.CreatedAt).Take(take).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<UserId, int>> RunningPerOwnerAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.ExportJobs.AsNoTracking()
            .Where(e => e.Status == ExportStatus.Running && e.LeaseExpiresAt != null && e.LeaseExpiresAt > now)
            .GroupBy(e => e.OwnerId)
            .Select(g => new { Owner = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Owner, g => g.Count, cancellationToken);

    public async Task<IReadOnlyList<ExportJob>> PastRetentionAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        await db.ExportJobs.Where(e => e.Status == ExportStatus.Succeeded && e.ExpiresAt != null && e.ExpiresAt <= now)
            .OrderBy(e => e.ExpiresAt).Take(take).ToListAsync(cancellationToken);
}
