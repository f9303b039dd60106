using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;

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

/// <summary>The outcome of presenting a key: the key (when it is let in) or why it is refused.</summary>
public sealed record ApiKeyAuthentication(ApiKey? Key, ApiKeyRefusal? Refusal, string? HashPrefix)
{
    public bool Succeeded => Key is not null;
}

/// <summary>Checks a presented API key: format, checksum, hash, then a cached look-up.</summary>
public interface IApiKeyAuthenticator
{
    /// <param name="presented">The key as the client sent it.</param>
    /// <param name="cancellationToken">Aborts the look-up.</param>
    /// <param name="recordUsage">False for a re-check of a key already in use (a WebSocket kept open), which is not a new use.</param>
    /// <param name="clientAddress">
    /// The caller's address, whose unknown keys are counted: past <see cref="ApiKeys.ApiKeyFailureLimitOptions.PerAddress"/>
    /// in a window, a hash not in the cache is refused without a look-up. Null for re-checks, which are not limited.
    /// </param>
    ValueTask<ApiKeyAuthentication> AuthenticateAsync(string presented, CancellationToken cancellationToken, bool recordUsage = true, string? clientAddress = null);
}

/// <summary>
/// Audit events of refused keys, written off the request path: a flood of bad keys must not become a flood of
/// database writes on the requests themselves.
/// </summary>
public interface IApiKeyFailureAudit
{
    void Record(AuditEvent auditEvent);

    /// <summary>
    /// Counts a key refused without a look-up (its address is over the failure limit): one audit row per address and
    /// flush, with the count, rather than one per request.
    /// </summary>
    void CountRefusedUnlooked(string address, DateTimeOffset now);
}
