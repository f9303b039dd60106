using Aiprod.Application.Common;
using Aiprod.Application.Webhooks;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Aiprod.Infrastructure.Webhooks;

/// <summary>
/// The outbox: just before a unit of work saves, the state changes webhooks announce (a job that ended, an export that
/// succeeded or failed, a revoked key) become one delivery per subscription of their owner that wants them, added to
/// the same SaveChanges. They commit or roll back with the change, so a crash after the commit loses no event: the
/// dispatcher finds the rows whenever it next runs. Read from the change tracker, so every path that changes these
/// aggregates through a unit of work is covered without the handlers knowing.
/// </summary>
public sealed class WebhookOutbox(TimeProvider clock)
{
    public async Task StageAsync(AiprodDbContext db, CancellationToken cancellationToken)
    {
        var events = Announced(db.ChangeTracker).ToList();
        if (events.Count == 0)
        {
            return;
        }

        var owners = events.Select(e => e.OwnerId).Distinct().ToList();
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking()
            .Where(s => owners.Contains(s.OwnerId) && s.Enabled)
            .Select(s => new { s.Id, s.OwnerId, s.Events })
            .ToListAsync(cancellationToken);
        if (subscriptions.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var e in events)
        {
            var payload = WebhookPayload.Serialize(e.Type, now, e.Data);
            var messageId = Guid.CreateVersion7(now);
            foreach (var s in subscriptions.Where(s => s.OwnerId == e.OwnerId && s.Events.Split(' ').Contains(e.Type)))
            {
                db.WebhookDeliveries.Add(WebhookDelivery.Enqueue(s.Id, s.OwnerId, messageId, e.Type, payload, now));
            }
        }
    }

    private static IEnumerable<Announcement> Announced(ChangeTracker tracker)
    {
        foreach (var entry in tracker.Entries<PipelineJob>())
        {
            if (entry.State == EntityState.Modified && entry.Property(j => j.Status).IsModified && entry.Property(j => j.Status).OriginalValue != entry.Entity.Status)
            {
                var job = entry.Entity;
                var type = job.Status switch
                {
                    JobStatus.Completed => WebhookEventTypes.JobCompleted,
                    JobStatus.Failed => WebhookEventTypes.JobFailed,
                    JobStatus.Cancelled => WebhookEventTypes.JobCancelled,
                    _ => null,
                };
                if (type is not null)
                {
                    yield return new Announcement(job.OwnerId, type, new
                    {
                        job_id = job.Id.Value,
                        status = job.Status.ToString().ToLowerInvariant(),
                        preset = EnumNames.Of(job.Preset),
                        error = job.ErrorMessage,
                        completed_at = job.CompletedAt,
                    });
                }
            }
        }

        foreach (var entry in tracker.Entries<ExportJob>())
        {
            if (entry.State == EntityState.Modified && entry.Property(e => e.Status).IsModified && entry.Property(e => e.Status).OriginalValue != entry.Entity.Status)
            {
                var export = entry.Entity;
                var type = export.Status switch
                {
                    ExportStatus.Succeeded => WebhookEventTypes.ExportSucceeded,
                    ExportStatus.Failed => WebhookEventTypes.ExportFailed,
                    _ => null,
                };
                if (type is not null)
                {
                    yield return new Announcement(export.OwnerId, type, new
                    {
                        export_id = export.Id.Value,
                        status = export.Status.ToString().ToLowerInvariant(),
                        size_bytes = export.SizeBytes,
                        sha256 = export.Sha256,
                        failure = export.Failure is { } failure ? EnumNames.Of(failure) : null,
                        error = export.ErrorMessage,
                    });
                }
            }
        }

        foreach (var entry in tracker.Entries<ApiKey>())
        {
            if (entry.State == EntityState.Modified && entry.Entity.Status == ApiKeyStatus.Revoked
                && entry.Property(k => k.Status).IsModified && entry.Property(k => k.Status).OriginalValue != ApiKeyStatus.Revoked)
            {
                var key = entry.Entity;
                yield return new Announcement(key.OwnerId, WebhookEventTypes.ApiKeyRevoked, new
                {
                    key_id = key.Id.Value,
                    name = key.Name,
                    prefix = key.Prefix,
                    reason = key.RevocationReason,
                    revoked_at = key.RevokedAt,
                });
            }
        }
    }

    private sealed record Announcement(UserId OwnerId, string Type, object Data);
}
