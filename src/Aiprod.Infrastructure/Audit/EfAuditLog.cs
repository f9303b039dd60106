using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;

namespace Aiprod.Infrastructure.Audit;

/// <summary>Adds the event to the request's DbContext: it is saved by the same SaveChanges, in the same transaction, as the change.</summary>
internal sealed class EfAuditLog(AiprodDbContext db, IRequestContext request, TimeProvider clock) : IAuditLog
{
    private static readonly JsonSerializerOptions DetailsJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new EntityIdJsonConverter() },
    };

    public void Record(AuditEntry entry)
    {
        var actorKind = entry.ActorKind ?? (request.UserId is null ? ActorKind.Anonymous : ActorKind.User);
        var actorId = entry.ActorId ?? request.UserId?.ToString();
        db.AuditEvents.Add(AuditEvent.Record(
            clock.GetUtcNow(),
            entry.EventType,
            actorKind,
            actorId,
            entry.Target,
            entry.Outcome,
            request.ClientAddress,
            request.UserAgent,
            request.TraceId,
            entry.Details is null ? null : JsonSerializer.Serialize(entry.Details, DetailsJson)));
    }
}
