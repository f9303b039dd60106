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
    // A save nearly always announces events of one owner (a worker's completion, a revoked key): compiled, that query
    // skips building and looking up its expression and SQL on every completed job.
    private static readonly PerModelQuery<Func<AiprodDbContext, UserId, IAsyncEnumerable<WebhookSubscription>>> EnabledOf = new(() => EF.CompileAsyncQuery(
        (AiprodDbContext db, UserId ownerId) => db.WebhookSubscriptions.AsNoTracking().Where(s => s.OwnerId == ownerId && s.Enabled)));

    public Task StageAsync(AiprodDbContext db, CancellationToken cancellationToken) =>
        StageAsync(db, Announced(db.ChangeTracker), cancellationToken);

    /// <summary>Adds one delivery of each event per enabled subscription of its owner that wants it; the caller saves.</summary>
    internal async Task StageAsync(AiprodDbContext db, IReadOnlyList<Announcement> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        var owners = events.Select(e => e.OwnerId).Distinct().ToList();
        var subscriptions = owners.Count == 1
            ? await EnabledOf.For(db)(db, owners[0]).ToListAsync(cancellationToken)
            : await db.WebhookSubscriptions.AsNoTracking()
                .Where(s => owners.Contains(s.OwnerId) && s.Enabled)
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
            foreach (var s in subscriptions.Where(s => s.OwnerId == e.OwnerId && s.Wants(e.Type)))
            {
                db.WebhookDeliveries.Add(WebhookDelivery.Enqueue(s.Id, s.OwnerId, messageId, e.Type, payload, now));
            }
        }
    }

    // One walk over the tracked entries: each Entries<T>() would detect the changes of every tracked entity again.
    private static List<Announcement> Announced(ChangeTracker tracker)
    {
        var announced = new List<Announcement>();
        foreach (var entry in tracker.Entries())
        {
            if (entry.State != EntityState.Modified)
            {
                continue;
            }

            switch (entry.Entity)
            {
                case PipelineJob job when StatusChanged(entry, nameof(PipelineJob.Status)):
                    var jobEvent = job.Status switch
                    {
                        JobStatus.Completed => WebhookEventTypes.JobCompleted,
                        JobStatus.Failed => WebhookEventTypes.JobFailed,
                        JobStatus.Cancelled => WebhookEventTypes.JobCancelled,
                        _ => null,
                    };
                    if (jobEvent is not null)
                    {
                        announced.Add(new Announcement(job.OwnerId, jobEvent, new
                        {
                            job_id = job.Id.Value,
                            status = job.Status.ToString().ToLowerInvariant(),
                            preset = EnumNames.Of(job.Preset),
                            error = job.ErrorMessage,
                            completed_at = job.CompletedAt,
                        }));
                    }

                    break;

                case ExportJob export when StatusChanged(entry, nameof(ExportJob.Status)):
                    var exportEvent = export.Status switch
                    {
                        ExportStatus.Succeeded => WebhookEventTypes.ExportSucceeded,
                        ExportStatus.Failed => WebhookEventTypes.ExportFailed,
                        _ => null,
                    };
                    if (exportEvent is not null)
                    {
                        announced.Add(new Announcement(export.OwnerId, exportEvent, new
                        {
                            export_id = export.Id.Value,
                            status = export.Status.ToString().ToLowerInvariant(),
                            size_bytes = export.SizeBytes,
                            sha256 = export.Sha256,
                            failure = export.Failure is { } failure ? EnumNames.Of(failure) : null,
                            error = export.ErrorMessage,
                        }));
                    }

                    break;

                case ApiKey key when key.Status == ApiKeyStatus.Revoked && StatusChanged(entry, nameof(ApiKey.Status)):
                    announced.Add(new Announcement(key.OwnerId, WebhookEventTypes.ApiKeyRevoked, new
                    {
                        key_id = key.Id.Value,
                        name = key.Name,
                        prefix = key.Prefix,
                        reason = key.RevocationReason,
                        revoked_at = key.RevokedAt,
                    }));
                    break;
            }
        }

        return announced;
    }

    private static bool StatusChanged(EntityEntry entry, string status)
    {
        var property = entry.Property(status);
        return property.IsModified && !Equals(property.OriginalValue, property.CurrentValue);
    }

    internal sealed record Announcement(UserId OwnerId, string Type, object Data);
}
