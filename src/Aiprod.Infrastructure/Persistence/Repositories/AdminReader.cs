using Aiprod.Application.Abstractions;
using Aiprod.Application.Admin;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class AdminReader(AiprodDbContext db) : IAdminReader
{
    public async Task<IReadOnlyList<User>> ListUsersAsync(UserListFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = db.Users.AsNoTracking();

        // The address and the id are mapped through value converters, which LINQ cannot look inside (a LIKE on the
        // address, an order comparison of ids); the two conditions are SQL both providers read alike, and EF composes
        // the rest over them. Each provider orders ids its own way (text on SQLite, uniqueidentifier on SQL Server),
        // and the page's ORDER BY and the cursor's > use that same order, so pages neither skip nor repeat.
        if (filter.EmailContains is { } part)
        {
            var pattern = "%" + EscapeLike(part) + "%";
            query = filter.After is { } after
                ? db.Users.FromSql($"SELECT * FROM users WHERE Email LIKE {pattern} ESCAPE '\\' AND Id > {after.Value}").AsNoTracking()
                : db.Users.FromSql($"SELECT * FROM users WHERE Email LIKE {pattern} ESCAPE '\\'").AsNoTracking();
        }
        else if (filter.After is { } after)
        {
            query = db.Users.FromSql($"SELECT * FROM users WHERE Id > {after.Value}").AsNoTracking();
        }

        if (filter.Role is { } role)
        {
            query = query.Where(u => u.Role == role);
        }

        var now = filter.Now;
        query = filter.Status switch
        {
            null => query,
            AdminUserStatus.Disabled => query.Where(u => u.DisabledAt != null),
            AdminUserStatus.Locked => query.Where(u => u.DisabledAt == null && u.LockoutEndsAt != null && u.LockoutEndsAt > now),
            AdminUserStatus.Active => query.Where(u => u.DisabledAt == null && (u.LockoutEndsAt == null || u.LockoutEndsAt <= now)),
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Status, "Not a member of AdminUserStatus."),
        };
        return await query.OrderBy(u => u.Id).Take(filter.Take).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<JobStatus, int>> CountJobsAsync(UserId? ownerId, CancellationToken cancellationToken)
    {
        var jobs = db.PipelineJobs.AsNoTracking();
        if (ownerId is { } owner)
        {
            jobs = jobs.Where(j => j.OwnerId == owner);
        }

        return await jobs.GroupBy(j => j.Status).Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);
    }

    public async Task<QueueFigures> QueueFiguresAsync(DateTimeOffset since, int runningTake, CancellationToken cancellationToken)
    {
        var counts = await CountJobsAsync(null, cancellationToken);
        var oldest = await db.PipelineJobs.AsNoTracking().Where(j => j.Status == JobStatus.Queued)
            .OrderBy(j => j.CreatedAt).Select(j => (DateTimeOffset?)j.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var running = await db.PipelineJobs.AsNoTracking().Where(j => j.Status == JobStatus.Running)
            .OrderBy(j => j.LeaseExpiresAt).Take(runningTake).ToListAsync(cancellationToken);

        // The lease check audits each lapse in the transaction that applies it: success when the job went back to
        // the queue, failure when its retries were spent and it failed.
        var lapses = await db.AuditEvents.AsNoTracking()
            .Where(e => (e.EventType == AuditEventTypes.JobLeaseLapsed || e.EventType == AuditEventTypes.JobRequeued) && e.OccurredAt >= since)
            .GroupBy(e => new { e.EventType, e.Outcome })
            .Select(g => new { g.Key.EventType, g.Key.Outcome, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return new QueueFigures(
            counts,
            oldest,
            running,
            lapses.Where(l => l.EventType == AuditEventTypes.JobLeaseLapsed).Sum(l => l.Count),
            lapses.Where(l => l.EventType == AuditEventTypes.JobLeaseLapsed && l.Outcome == AuditOutcome.Success).Sum(l => l.Count),
            lapses.Where(l => l.EventType == AuditEventTypes.JobRequeued).Sum(l => l.Count));
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
