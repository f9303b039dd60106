using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Abstractions;

/// <summary>
/// The revoked sessions that access tokens must no longer open. Read on every authenticated request, so it is
/// answered from memory; revocations reach every API instance (through Redis when configured).
/// </summary>
public interface ISessionRevocations
{
    bool IsRevoked(SessionId sessionId);

    /// <summary>Called after the revocation is committed.</summary>
    Task PublishAsync(IReadOnlyCollection<SessionId> sessionIds, CancellationToken cancellationToken);
}
