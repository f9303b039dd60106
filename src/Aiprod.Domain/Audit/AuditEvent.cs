namespace Aiprod.Domain.Audit;

/// <summary>
/// One security-relevant fact, written in the same transaction as the change it records.
/// Never carries a secret: tokens and keys appear only as short hash prefixes.
/// </summary>
public sealed class AuditEvent
{
    public const int EventTypeMaxLength = 64;

    private AuditEvent()
    {
        EventType = string.Empty;
    }

    public long Id { get; private set; }

    public DateTimeOffset OccurredAt { get; private set; }

    public string EventType { get; private set; }

    public string? ActorId { get; private set; }

    public ActorKind ActorKind { get; private set; }

    public string? Target { get; private set; }

    public AuditOutcome Outcome { get; private set; }

    public string? ClientAddress { get; private set; }

    public string? UserAgent { get; private set; }

    public string? TraceId { get; private set; }

    /// <summary>Event-specific facts as a JSON object.</summary>
    public string? Details { get; private set; }

    /// <summary>
    /// The event's place in the hash chain, from 1 without gaps; null until the sealer has chained it. Set only by the
    /// sealer's own statement, never by the request that records the event.
    /// </summary>
    public long? Seq { get; private set; }

    /// <summary>Lower-case hex SHA-256 of the event's canonical form and the previous event's hash; null while unsealed.</summary>
    public string? Hash { get; private set; }

    public static AuditEvent Record(
        DateTimeOffset occurredAt,
        string eventType,
        ActorKind actorKind,
        string? actorId,
        string? target,
        AuditOutcome outcome,
        string? clientAddress,
        string? userAgent,
        string? traceId,
        string? details)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventType);
        if (!AuditEventTypes.FollowsTheScheme(eventType))
        {
            throw new ArgumentException($"Audit event types are named resource.action (see {nameof(AuditEventTypes)}); '{eventType}' is not.", nameof(eventType));
        }

        return new AuditEvent
        {
            OccurredAt = occurredAt,
            EventType = eventType,
            ActorKind = actorKind,
            ActorId = actorId,
            Target = target,
            Outcome = outcome,
            ClientAddress = clientAddress,
            UserAgent = Truncate(userAgent, 512),
            TraceId = traceId,
            Details = details,
        };
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
