using System.Text.Json;
using Aiprod.Domain.Audit;

namespace Aiprod.Application.Audit.Dtos;

/// <summary>An audit row as stored (no secret is ever stored in one), with its place in the chain; seq and hash are null until sealed.</summary>
public sealed record AuditEventDto(
    long EventId,
    long? Seq,
    string? Hash,
    DateTimeOffset OccurredAt,
    string EventType,
    ActorKind ActorKind,
    string? ActorId,
    string? Target,
    AuditOutcome Outcome,
    string? ClientAddress,
    string? UserAgent,
    string? TraceId,
    JsonElement? Details);

/// <summary>A page of audit events, newest first; <see cref="NextAfter"/> fetches the next (older) page, null on the last.</summary>
public sealed record AuditEventPageDto(IReadOnlyList<AuditEventDto> Items, string? NextAfter);

/// <summary>A signed checkpoint, and the exact bytes (as a string) its signature covers.</summary>
public sealed record AuditCheckpointDto(long Seq, string HeadHash, long Count, DateTimeOffset At, string Kid, string Signature, string Payload);

/// <summary>The public half of the checkpoint signing key as a JWK (RFC 7517), so a verifier needs nothing else.</summary>
public sealed record AuditPublicKeyDto(string Kty, string Crv, string X, string Y, string Kid, string Alg);

/// <summary>A page of checkpoints, oldest first, with the key that signs them.</summary>
public sealed record AuditCheckpointPageDto(AuditPublicKeyDto Key, IReadOnlyList<AuditCheckpointDto> Items, string? NextAfter);
