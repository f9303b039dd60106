using Aiprod.Domain.ApiKeys;

namespace Aiprod.Api.Contracts;

/// <summary>A new API key.</summary>
/// <param name="Name">What the key is for, e.g. "render worker 3".</param>
/// <param name="Scopes">Any of `jobs:read`, `jobs:write`, `exports:read`, `pipeline:worker`; default: the first three.</param>
/// <param name="ExpiresInDays">1 to the configured maximum (365); default 90.</param>
public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<ApiKeyScope>? Scopes, int? ExpiresInDays);

/// <summary>A rotation.</summary>
/// <param name="GracePeriodSeconds">How long the old key keeps working (0 to 86400, default 0), never past its own expiry.</param>
public sealed record RotateApiKeyRequest(int? GracePeriodSeconds);

/// <summary>A revocation.</summary>
/// <param name="Reason">Why, for the audit log.</param>
public sealed record RevokeApiKeyRequest(string? Reason);

/// <summary>Revoke every key.</summary>
/// <param name="Confirm">Must be true.</param>
/// <param name="Reason">Why, for the audit log.</param>
public sealed record RevokeAllApiKeysRequest(bool Confirm, string? Reason);

/// <summary>The key that authenticated this request.</summary>
/// <param name="KeyId">Its id.</param>
/// <param name="OwnerId">The user it acts for.</param>
/// <param name="Scopes">What it may do.</param>
public sealed record CurrentApiKeyResponse(Guid KeyId, Guid OwnerId, IReadOnlyList<ApiKeyScope> Scopes);
