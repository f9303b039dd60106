namespace Aiprod.Application.Abstractions;

/// <param name="Key">The key, shown once.</param>
/// <param name="Hash">Lower-case hex SHA-256 of the key: what is stored.</param>
/// <param name="Prefix">The display prefix.</param>
public sealed record GeneratedApiKey(string Key, string Hash, string Prefix);

public interface IApiKeyGenerator
{
    GeneratedApiKey Generate();
}
