using Aiprod.Domain.Common;

namespace Aiprod.Domain.ApiKeys;

public static class ApiKeyErrors
{
    /// <summary>Also the answer for another user's key: its existence is not the caller's business.</summary>
    public static readonly Error NotFound = Error.NotFound("api_key_not_found", "You have no API key with this id.");

    public static readonly Error AlreadyRevoked = Error.Conflict("api_key_already_revoked", "The key is already revoked.");

    public static Error NotActive(ApiKeyStatus status) =>
        Error.Conflict("api_key_not_active", $"Only an active key can be rotated; this one is {status.ToString().ToLowerInvariant()}.");

    public static Error LimitReached(int cap) =>
        Error.Conflict("api_key_limit_reached", $"You already have {cap} active keys, the most allowed. Revoke one first.");
}
