namespace Aiprod.Api.Contracts;

/// <summary>A new API key.</summary>
/// <param name="Name">What the key is for, e.g. "render worker 3".</param>
/// <param name="Scopes">Any of `jobs:read`, `jobs:write`, `exports:read`, `pipeline:worker`; default: the first three.</param>
/// <param name="ExpiresInDays">1 to the configured maximum (365); default 90.</param>
public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string>? Scopes, int? ExpiresInDays);
