using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

public interface IApiKeyRepository
{
    /// <summary>The key if it exists and belongs to <paramref name="ownerId"/>; another user's key is "not found".</summary>
    Task<ApiKey?> FindOwnedAsync(UserId ownerId, ApiKeyId keyId, CancellationToken cancellationToken);

    /// <summary>Any user's key, for an admin.</summary>
    Task<ApiKey?> FindAsync(ApiKeyId keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListOwnedAsync(UserId ownerId, CancellationToken cancellationToken);

    /// <summary>Keys that are active and unexpired.</summary>
    Task<int> CountActiveAsync(UserId ownerId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Keys not revoked and not expired: active ones and rotated ones that may be in their grace period.</summary>
    Task<IReadOnlyList<ApiKey>> ListUsableOwnedAsync(UserId ownerId, DateTimeOffset now, CancellationToken cancellationToken);

    void Add(ApiKey key);
}
