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
    ValueTask<ApiKeyAuthentication> AuthenticateAsync(string presented, CancellationToken cancellationToken, bool recordUsage = true);
}

/// <summary>
/// Audit events of refused keys, written off the request path: a flood of bad keys must not become a flood of
/// database writes on the requests themselves.
/// </summary>
public interface IApiKeyFailureAudit
{
    void Record(AuditEvent auditEvent);
}
