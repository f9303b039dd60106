using Aiprod.Domain.Audit;

namespace Aiprod.Application.Abstractions;

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
