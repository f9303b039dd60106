namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>Where a key is looked up by its hash when the cache does not have it.</summary>
public interface IApiKeyStore
{
    Task<StoredApiKey?> FindByHashAsync(string keyHash, CancellationToken cancellationToken);
}
