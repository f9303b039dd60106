using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

public interface IIdempotencyRecordRepository
{
    void Add(IdempotencyRecord record);

    void Remove(IdempotencyRecord record);

    /// <summary>The owner's record of <paramref name="key"/> on <paramref name="scope"/>, live or expired.</summary>
    Task<IdempotencyRecord?> FindAsync(UserId ownerId, string scope, string key, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> records expired at <paramref name="now"/>; how many it deleted.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);
}
