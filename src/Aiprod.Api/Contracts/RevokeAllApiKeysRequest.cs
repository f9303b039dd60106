using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>Revoke every key.</summary>
/// <param name="Confirm">Must be true.</param>
/// <param name="Reason">Why, for the audit log.</param>
[ValidatedAs(typeof(Aiprod.Application.ApiKeys.Commands.RevokeAllApiKeys.RevokeAllApiKeysCommand))]
public sealed record RevokeAllApiKeysRequest(bool Confirm, string? Reason) : IRequestExample<RevokeAllApiKeysRequest>
{
    public static RevokeAllApiKeysRequest Example => new(true, "Laptop stolen");
}
