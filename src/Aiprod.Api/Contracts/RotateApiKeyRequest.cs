using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>A rotation.</summary>
/// <param name="GracePeriodSeconds">How long the old key keeps working (0 to 86400, default 0), never past its own expiry.</param>
[ValidatedAs(typeof(Aiprod.Application.ApiKeys.Commands.RotateApiKey.RotateApiKeyCommand))]
public sealed record RotateApiKeyRequest(int? GracePeriodSeconds) : IRequestExample<RotateApiKeyRequest>
{
    public static RotateApiKeyRequest Example => new(3600);
}
