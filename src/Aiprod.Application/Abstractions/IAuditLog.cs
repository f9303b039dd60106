using Aiprod.Domain.Audit;

namespace Aiprod.Application.Abstractions;

/// <summary>What a handler wants recorded. Details must never hold a secret; use a hash prefix for tokens and keys.</summary>
public sealed record AuditEntry(
    string EventType,
    AuditOutcome Outcome,
    string? Target = null,
    IReadOnlyDictionary<string, object?>? Details = null,
    ActorKind? ActorKind = null,
    string? ActorId = null);

/// <summary>
/// Adds audit events to the current unit of work, so they commit or roll back with the change they describe.
/// Actor, client address, user agent and trace id come from the request when the entry does not name them.
/// </summary>
public interface IAuditLog
{
    void Record(AuditEntry entry);
}
