using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class ApiKeyRepository(AiprodDbContext db) : IApiKeyRepository
{
    public Task<ApiKey?> FindOwnedAsync(Guid ownerId, Guid keyId, CancellationToken cancellationToken) =>
        db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.OwnerId == ownerId, cancellationToken);

    public async Task<IReadOnlyList<ApiKey>> ListOwnedAsync(Guid ownerId, CancellationToken cancellationToken) =>
        await db.ApiKeys.Where(k => k.OwnerId == ownerId).ToListAsync(cancellationToken);

    public Task<int> CountActiveAsync(Guid ownerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ApiKeys.CountAsync(k => k.OwnerId == ownerId && k.Status == ApiKeyStatus.Active && k.ExpiresAt > now, cancellationToken);

    public async Task<IReadOnlyList<ApiKey>> ListUsableOwnedAsync(Guid ownerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.ApiKeys
            .Where(k => k.OwnerId == ownerId && k.Status != ApiKeyStatus.Revoked && k.ExpiresAt > now)
            .ToListAsync(cancellationToken);

    public void Add(ApiKey key) => db.ApiKeys.Add(key);
}
