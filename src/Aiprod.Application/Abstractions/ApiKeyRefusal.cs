namespace Aiprod.Application.Abstractions;

public enum ApiKeyRefusal
{
    Malformed,
    Unknown,
    Expired,
    Revoked,
    Rotated,

    /// <summary>The key's owner is disabled: a key that a disable could not revoke still lets nobody in.</summary>
    OwnerDisabled,

    /// <summary>
    /// Not looked up: the client's address presented too many unknown keys in the current window
    /// (<see cref="ApiKeys.ApiKeyFailureLimitOptions"/>).
    /// </summary>
    TooManyFailures,
}
