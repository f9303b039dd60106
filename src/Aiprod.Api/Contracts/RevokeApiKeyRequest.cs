using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>A revocation.</summary>
/// <param name="Reason">Why, for the audit log.</param>
[ValidatedAs(typeof(Aiprod.Application.ApiKeys.Commands.RevokeApiKey.RevokeApiKeyCommand))]
public sealed record RevokeApiKeyRequest(string? Reason) : IRequestExample<RevokeApiKeyRequest>
{
    public static RevokeApiKeyRequest Example => new("Leaked in a CI log");
}
