using System.Security.Cryptography;
using Aiprod.Application.Abstractions;

namespace Aiprod.Infrastructure.ApiKeys;

internal sealed class ApiKeyGenerator : IApiKeyGenerator
{
    public GeneratedApiKey Generate()
    {
        var key = ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32));
        return new GeneratedApiKey(key, ApiKeyFormat.Hash(key), ApiKeyFormat.DisplayPrefix(key));
    }
}
