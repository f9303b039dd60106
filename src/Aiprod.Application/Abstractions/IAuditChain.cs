using Aiprod.Application.Audit.Dtos;
using Aiprod.Domain.Audit;

namespace Aiprod.Application.Abstractions;

/// <summary>Walks the whole audit chain and its checkpoints. One implementation serves the route and the host command.</summary>
public interface IAuditChainVerifier
{
    Task<AuditVerificationReport> VerifyAsync(CancellationToken cancellationToken);
}

/// <summary>Which audit events a reader asks for. <see cref="OwnUserId"/> set: only that user's (as actor or target).</summary>
public sealed record AuditEventFilter(
    string? OwnUserId,
    string? ActorId,
    string? EventType,
    string? EventTypePrefix,
    AuditOutcome? Outcome,
    string? Target,
    DateTimeOffset? Since,
    DateTimeOffset? Until);

public interface IAuditLogReader
{
    /// <summary>Events matching <paramref name="filter"/> with an id below <paramref name="beforeId"/>, newest first.</summary>
    Task<IReadOnlyList<AuditEventDto>> ListAsync(AuditEventFilter filter, long? beforeId, int take, CancellationToken cancellationToken);

    /// <summary>Checkpoints after <paramref name="afterSeq"/>, oldest first.</summary>
    Task<IReadOnlyList<AuditCheckpointDto>> ListCheckpointsAsync(long? afterSeq, int take, CancellationToken cancellationToken);

    AuditPublicKeyDto PublicKey { get; }
}
