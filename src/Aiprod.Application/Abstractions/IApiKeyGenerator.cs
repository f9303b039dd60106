namespace Aiprod.Application.Abstractions;

/// <param name="Key">The key, shown once.</param>
/// <param name="Hash">Lower-case hex SHA-256 of the key: what is stored.</param>
/// <param name="Prefix">The display prefix.</param>
public sealed record GeneratedApiKey(string Key, string Hash, string Prefix);

public interface IApiKeyGenerator
{
    GeneratedApiKey Generate();
}

/// <summary>Forgets cached look-ups of keys that changed, on this instance at once and on the others through Redis.</summary>
public interface IApiKeyCache
{
    Task InvalidateAsync(IReadOnlyCollection<string> keyHashes, CancellationToken cancellationToken);
}
