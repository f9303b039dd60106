using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Audit;

internal sealed class EfAuditLogReader(AiprodDbContext db, AuditSigningKey key) : IAuditLogReader
{
    public AuditPublicKeyDto PublicKey => key.PublicKey;

    public async Task<IReadOnlyList<AuditEventDto>> ListAsync(AuditEventFilter filter, long? beforeId, int take, CancellationToken cancellationToken)
    {
        var events = db.AuditEvents.AsNoTracking();
        if (filter.OwnUserId is { } own)
        {
            events = events.Where(e => e.ActorId == own || e.Target == own);
        }

        if (filter.ActorId is { } actor)
        {
            events = events.Where(e => e.ActorId == actor);
        }

        if (filter.EventType is { } type)
        {
            events = events.Where(e => e.EventType == type);
        }

        if (filter.EventTypePrefix is { } prefix)
        {
            events = events.Where(e => e.EventType.StartsWith(prefix));
        }

        if (filter.Outcome is { } outcome)
        {
            events = events.Where(e => e.Outcome == outcome);
        }

        if (filter.Target is { } target)
        {
            events = events.Where(e => e.Target == target);
        }

        if (filter.Since is { } since)
        {
            events = events.Where(e => e.OccurredAt >= since);
        }

        if (filter.Until is { } until)
        {
            events = events.Where(e => e.OccurredAt < until);
        }

        if (beforeId is { } before)
        {
            events = events.Where(e => e.Id < before);
        }

        var rows = await events.OrderByDescending(e => e.Id).Take(take).ToListAsync(cancellationToken);
        return rows.Select(Of).ToList();
    }

    public async Task<IReadOnlyList<AuditCheckpointDto>> ListCheckpointsAsync(long? afterSeq, int take, CancellationToken cancellationToken)
    {
        var after = afterSeq ?? 0;
        var rows = await db.AuditCheckpoints.AsNoTracking().Where(c => c.Seq > after).OrderBy(c => c.Seq).Take(take).ToListAsync(cancellationToken);
        return rows.Select(c => new AuditCheckpointDto(c.Seq, c.HeadHash, c.Count, c.At, c.KeyId, c.Signature,
            AuditCanonicalForm.Checkpoint(c.Seq, c.HeadHash, c.Count, c.At, c.KeyId))).ToList();
    }

    private static AuditEventDto Of(AuditEvent e) => new(
        e.Id, e.Seq, e.Hash, e.OccurredAt, e.EventType, e.ActorKind, e.ActorId, e.Target, e.Outcome, e.ClientAddress, e.UserAgent, e.TraceId, Details(e.Details));

    // Details are stored as a JSON object; a value that is not JSON is answered as the string it is.
    private static JsonElement? Details(string? details)
    {
        if (details is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(details);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(details);
        }
    }
}
