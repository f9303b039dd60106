namespace Aiprod.Api.Contracts;

/// <summary>Revoke every key.</summary>
/// <param name="Confirm">Must be true.</param>
/// <param name="Reason">Why, for the audit log.</param>
public sealed record RevokeAllApiKeysRequest(bool Confirm, string? Reason);
