namespace Aiprod.Api.Contracts;

/// <summary>A rotation.</summary>
/// <param name="GracePeriodSeconds">How long the old key keeps working (0 to 86400, default 0), never past its own expiry.</param>
public sealed record RotateApiKeyRequest(int? GracePeriodSeconds);
