using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class ApiKeyRepository(AiprodDbContext db) : IApiKeyRepository
{
    public Task<ApiKey?> FindOwnedAsync(UserId ownerId, ApiKeyId keyId, CancellationToken cancellationToken) =>
        db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.OwnerId == ownerId, cancellationToken);

    public Task<ApiKey?> FindAsync(ApiKeyId keyId, CancellationToken cancellationToken) =>
        db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId, cancellationToken);

    public async Task<IReadOnlyList<ApiKey>> ListOwnedAsync(UserId ownerId, CancellationToken cancellationToken) =>
        await db.ApiKeys.Where(k => k.OwnerId == ownerId).ToListAsync(cancellationToken);

    public Task<int> CountActiveAsync(UserId ownerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ApiKeys.CountAsync(k => k.OwnerId == ownerId && k.Status == ApiKeyStatus.Active && k.ExpiresAt > now, cancellationToken);

    public async Task<IReadOnlyList<ApiKey>> ListUsableOwnedAsync(UserId ownerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.ApiKeys
            .Where(k => k.OwnerId == ownerId && k.Status != ApiKeyStatus.Revoked && k.ExpiresAt > now)
            .ToListAsync(cancellationToken);

    public void Add(ApiKey key) => db.ApiKeys.Add(key);
}
