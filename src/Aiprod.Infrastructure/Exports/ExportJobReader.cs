using System.Runtime.CompilerServices;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Jobs;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Exports;

/// <summary>A job as an export writes it: the row, and (when the format shows them) its state changes and log lines in order.</summary>
internal sealed record ExportedJob(PipelineJob Job, IReadOnlyList<JobEvent> StateChanges, IReadOnlyList<JobEvent> Logs);

/// <summary>
/// Reads one owner's selection in batches, untracked, in the order (created_at, id), each batch after the last key
/// of the one before (keyset), so memory holds one batch and a job added or removed meanwhile neither repeats nor
/// shifts another.
/// </summary>
internal sealed class ExportJobReader(AiprodDbContext db)
{
    /// <summary>Jobs per batch; a job carries at most <c>Jobs:MaxLogLines</c> log lines, so a batch stays a few MB at worst.</summary>
    public const int BatchSize = 200;

    public Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken) =>
        Selected(selection).CountAsync(cancellationToken);

    public async IAsyncEnumerable<IReadOnlyList<PipelineJob>> JobBatchesAsync(
        ExportSelection selection, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        DateTimeOffset? afterCreatedAt = null;
        var afterId = default(JobId);
        while (true)
        {
            var query = Selected(selection);
            if (afterCreatedAt is { } at)
            {
                var id = afterId;
                query = query.Where(j => j.CreatedAt > at || (j.CreatedAt == at && j.Id > id));
            }

            var batch = await query.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                yield break;
            }

            yield return batch;
            if (batch.Count < BatchSize)
            {
                yield break;
            }

            afterCreatedAt = batch[^1].CreatedAt;
            afterId = batch[^1].Id;
        }
    }

    /// <summary>The batch's state changes and (when asked) log lines; progress reports are not part of an export.</summary>
    public async Task<IReadOnlyList<ExportedJob>> WithEventsAsync(IReadOnlyList<PipelineJob> jobs, bool includeLogs, CancellationToken cancellationToken)
    {
        var ids = jobs.Select(j => j.Id).ToList();
        var events = db.JobEvents.AsNoTracking().Where(e => ids.Contains(e.JobId));
        events = includeLogs
            ? events.Where(e => e.Type == JobEventType.StateChanged || e.Type == JobEventType.Log)
            : events.Where(e => e.Type == JobEventType.StateChanged);
        var byJob = (await events.ToListAsync(cancellationToken)).ToLookup(e => e.JobId);
        return jobs.Select(j =>
        {
            var ordered = byJob[j.Id].OrderBy(e => e.Sequence).ToList();
            return new ExportedJob(
                j,
                ordered.Where(e => e.Type == JobEventType.StateChanged).ToList(),
                ordered.Where(e => e.Type == JobEventType.Log).ToList());
        }).ToList();
    }

    /// <summary>The stored outputs of the selection, one at a time, for the CSV's first pass over its columns.</summary>
    public IAsyncEnumerable<string> OutputsAsync(ExportSelection selection) =>
        Selected(selection).Where(j => j.ResultOutput != null).Select(j => j.ResultOutput!).AsAsyncEnumerable();

    private IQueryable<PipelineJob> Selected(ExportSelection selection)
    {
        var query = db.PipelineJobs.AsNoTracking().Where(j => j.OwnerId == selection.OwnerId);
        if (selection.JobIds is { } jobIds)
        {
            var ids = jobIds.Distinct().ToList();
            query = query.Where(j => ids.Contains(j.Id));
        }

        if (selection.Status is { } status)
        {
            query = query.Where(j => j.Status == status);
        }

        if (selection.Preset is { } preset)
        {
            query = query.Where(j => j.Preset == preset);
        }

        if (selection.CreatedFrom is { } from)
        {
            query = query.Where(j => j.CreatedAt >= from);
        }

        if (selection.CreatedTo is { } to)
        {
            query = query.Where(j => j.CreatedAt <= to);
        }

        return query;
    }
}
