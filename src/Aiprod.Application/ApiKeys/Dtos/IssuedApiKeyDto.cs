namespace Aiprod.Application.ApiKeys.Dtos;

/// <summary>A key just issued: the only answer that ever carries the key itself.</summary>
/// <param name="Key">The key. Store it now: it cannot be shown again.</param>
/// <param name="ApiKey">Its metadata.</param>
public sealed record IssuedApiKeyDto(string Key, ApiKeyDto ApiKey);
