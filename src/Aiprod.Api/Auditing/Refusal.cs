using Aiprod.Domain.Audit;

namespace Aiprod.Api.Auditing;

/// <summary>One refused request, as <see cref="RefusalAudit"/> records it: never a secret in any field.</summary>
/// <param name="EventType">An <see cref="AuditEventTypes"/> name.</param>
/// <param name="Reason">Why, as a short code of ours (<c>expired</c>, <c>role_required</c>…), never text the caller sent.</param>
public sealed record Refusal(string EventType, string Reason)
{
    public ActorKind ActorKind { get; init; } = ActorKind.Anonymous;

    public string? ActorId { get; init; }

    public string? Target { get; init; }

    /// <summary>Whom refusals are counted per, besides the address; without it, the actor, else the target.</summary>
    public string? CountedPer { get; init; }

    /// <summary>Further details, written between the path and <c>suppressed</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Details { get; init; } = [];
}
