using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

public interface IExportJobRepository
{
    void Add(ExportJob export);

    void Remove(ExportJob export);

    /// <summary>The owner's export; another owner's is "not found".</summary>
    Task<ExportJob?> FindOwnedAsync(UserId ownerId, ExportId id, CancellationToken cancellationToken);

    /// <summary>The owner's export's state alone, read without its request (job ids, columns) and untracked.</summary>
    Task<ExportStateDto?> FindOwnedStateAsync(UserId ownerId, ExportId id, CancellationToken cancellationToken);

    /// <summary>An export by id, for the runner that holds it.</summary>
    Task<ExportJob?> FindAsync(ExportId id, CancellationToken cancellationToken);

    Task<ExportJob?> FindByIdempotencyKeyAsync(UserId ownerId, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>The owner's exports, newest first.</summary>
    Task<(IReadOnlyList<ExportJob> Items, int Total)> ListAsync(UserId ownerId, ExportStatus? status, int limit, int offset, CancellationToken cancellationToken);

    /// <summary>
    /// Whether any export is queued, or running under a lapsed lease, of an owner with fewer than
    /// <paramref name="maxRunningPerOwner"/> running under a live lease: read without the write lock.
    /// </summary>
    Task<bool> AnyClaimableAsync(DateTimeOffset now, int maxRunningPerOwner, CancellationToken cancellationToken);

    /// <summary>
    /// Queued exports and running ones whose lease lapsed, of owners with fewer than <paramref name="maxRunningPerOwner"/>
    /// running under a live lease, oldest first (in a stable order, so that a larger take reads the same ones first).
    /// </summary>
    Task<IReadOnlyList<ExportJob>> ClaimableAsync(DateTimeOffset now, int maxRunningPerOwner, int take, CancellationToken cancellationToken);

    /// <summary>How many exports the owner has queued, counted up to <paramref name="upTo"/> (a cap's worth at most).</summary>
    Task<int> QueuedCountAsync(UserId ownerId, int upTo, CancellationToken cancellationToken);

    /// <summary>Succeeded exports whose retention ended.</summary>
    Task<IReadOnlyList<ExportJob>> PastRetentionAsync(DateTimeOffset now, int take, CancellationToken cancellationToken);
}
