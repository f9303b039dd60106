using Aiprod.Api.OpenApi;
using Aiprod.Domain.ApiKeys;

namespace Aiprod.Api.Contracts;

/// <summary>A new API key.</summary>
/// <param name="Name">What the key is for, e.g. "render worker 3".</param>
/// <param name="Scopes">Any of `jobs:read`, `jobs:write`, `exports:read`, `pipeline:worker`; default: the first three.</param>
/// <param name="ExpiresInDays">1 to the configured maximum (365); default 90.</param>
[ValidatedAs(typeof(Aiprod.Application.ApiKeys.Commands.CreateApiKey.CreateApiKeyCommand))]
public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<ApiKeyScope>? Scopes, int? ExpiresInDays) : IRequestExample<CreateApiKeyRequest>
{
    public static CreateApiKeyRequest Example => new("render worker 3", [ApiKeyScope.PipelineWorker], 90);
}
