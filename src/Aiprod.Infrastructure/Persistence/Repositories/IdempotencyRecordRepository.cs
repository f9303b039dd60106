using Aiprod.Application.Abstractions;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class IdempotencyRecordRepository(AiprodDbContext db) : IIdempotencyRecordRepository
{
    public void Add(IdempotencyRecord record) => db.IdempotencyRecords.Add(record);

    public void Remove(IdempotencyRecord record) => db.IdempotencyRecords.Remove(record);

    public Task<IdempotencyRecord?> FindAsync(UserId ownerId, string scope, string key, CancellationToken cancellationToken) =>
        db.IdempotencyRecords.FirstOrDefaultAsync(r => r.OwnerId == ownerId && r.Scope == scope && r.Key == key, cancellationToken);

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var expired = await db.IdempotencyRecords.Where(r => r.ExpiresAt <= now).OrderBy(r => r.ExpiresAt).Take(limit).ToListAsync(cancellationToken);
        db.IdempotencyRecords.RemoveRange(expired);
        return expired.Count;
    }
}
