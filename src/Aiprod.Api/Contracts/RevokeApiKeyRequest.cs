namespace Aiprod.Api.Contracts;

/// <summary>A revocation.</summary>
/// <param name="Reason">Why, for the audit log.</param>
public sealed record RevokeApiKeyRequest(string? Reason);
