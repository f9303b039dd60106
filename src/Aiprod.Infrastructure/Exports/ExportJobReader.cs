using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Jobs;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Exports;

/// <summary>A job as an export writes it: the row and its state changes in order; its log lines are streamed apart (<see cref="ExportJobReader.LogsAsync"/>).</summary>
internal sealed record ExportedJob(PipelineJob Job, IReadOnlyList<JobEvent> StateChanges);

/// <summary>
/// Reads one owner's selection in batches, untracked, in the order (created_at, id), each batch after the last key
/// of the one before (keyset), so memory holds one batch and a job added or removed meanwhile neither repeats nor
/// shifts another. Log lines are not part of a batch: a job may hold <c>Jobs:MaxLogLines</c> lines of up to 2,000
/// characters each, so they are read one job at a time as a stream and written as they come, never collected.
/// </summary>
internal sealed class ExportJobReader(AiprodDbContext db)
{
    /// <summary>Jobs per batch: the rows and their state changes (a handful per job), not their log lines.</summary>
    public const int BatchSize = 200;

    /// <summary>
    /// Jobs per batch of the CSV export, whose rows carry no state changes: about 1 MB of columns, and a fifth of the
    /// queries batches of 200 took.
    /// </summary>
    public const int CsvBatchSize = 1000;

    /// <summary>
    /// Characters of text (content, error, output) after which a CSV batch ends before <see cref="CsvBatchSize"/>
    /// jobs: an output may hold 256 KB of JSON, so 1,000 of them would be half a gigabyte per batch, and the export
    /// holds up to four batches at once (two read ahead, the one being read and the one being written). Typical rows
    /// (about 1 KB) never reach it.
    /// </summary>
    public const long CsvBatchChars = 4L * 1024 * 1024;

    private long logLinesRead;

    /// <summary>Log lines this reader has handed out so far (a seam for tests that check they are not collected).</summary>
    public long LogLinesRead => Interlocked.Read(ref logLinesRead);

    public Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken) =>
        Selected(selection).CountAsync(cancellationToken);

    public IAsyncEnumerable<IReadOnlyList<PipelineJob>> JobBatchesAsync(ExportSelection selection, CancellationToken cancellationToken) =>
        BatchesAsync(selection, j => j, j => (j.CreatedAt, j.Id), BatchSize, cancellationToken);

    /// <summary>
    /// The selection as the CSV export reads it: the columns of its rows only (<see cref="CsvJob"/>), no entities, in
    /// batches of <see cref="CsvBatchSize"/>.
    /// </summary>
    public IAsyncEnumerable<IReadOnlyList<CsvJob>> CsvBatchesAsync(ExportSelection selection, CancellationToken cancellationToken) =>
        BatchesAsync(selection, CsvJob.Projection, j => (j.CreatedAt, j.Id), CsvBatchSize, cancellationToken, CsvJob.TextChars, CsvBatchChars);

    /// <summary>The batch's jobs with their state changes; progress reports and log lines are not read here.</summary>
    public async Task<IReadOnlyList<ExportedJob>> WithStateChangesAsync(IReadOnlyList<PipelineJob> jobs, CancellationToken cancellationToken)
    {
        var ids = jobs.Select(j => j.Id).ToList();
        var byJob = (await db.JobEvents.AsNoTracking()
            .Where(e => ids.Contains(e.JobId) && e.Type == JobEventType.StateChanged)
            .ToListAsync(cancellationToken)).ToLookup(e => e.JobId);
        return jobs.Select(j => new ExportedJob(j, byJob[j.Id].OrderBy(e => e.Sequence).ToList())).ToList();
    }

    /// <summary>One job's log lines in order, streamed from the database: the caller writes each before the next is read.</summary>
    public async IAsyncEnumerable<JobEvent> LogsAsync(JobId jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lines = db.JobEvents.AsNoTracking()
            .Where(e => e.JobId == jobId && e.Type == JobEventType.Log)
            .OrderBy(e => e.Sequence)
            .AsAsyncEnumerable()
            .WithCancellation(cancellationToken);
        await foreach (var line in lines)
        {
            Interlocked.Increment(ref logLinesRead);
            yield return line;
        }
    }

    /// <summary>The stored outputs of the selection, one at a time, for the CSV's first pass over its columns.</summary>
    public IAsyncEnumerable<string> OutputsAsync(ExportSelection selection) =>
        Selected(selection).Where(j => j.ResultOutput != null).Select(j => j.ResultOutput!).AsAsyncEnumerable();

    private async IAsyncEnumerable<IReadOnlyList<T>> BatchesAsync<T>(
        ExportSelection selection,
        Expression<Func<PipelineJob, T>> projection,
        Func<T, (DateTimeOffset CreatedAt, JobId Id)> keyOf,
        int batchSize,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        Func<T, long>? weightOf = null,
        long maxWeight = long.MaxValue)
    {
        DateTimeOffset? afterCreatedAt = null;
        var afterId = default(JobId);
        while (true)
        {
            var query = Selected(selection);
            if (afterCreatedAt is { } at)
            {
                var id = afterId;
                // The same keyset as "created_at > at OR (created_at = at AND id > id)", spelled so that the database
                // seeks the (owner, created_at) index to the batch's start: under the OR alone SQLite scans the
                // owner's entries from the first one at every batch, which made a 100,000-job export quadratic.
                query = query.Where(j => j.CreatedAt >= at && (j.CreatedAt > at || j.Id > id));
            }

            // Streamed, so that a batch can end at its weight: the rows after it are left unread (the next batch
            // starts after its last key) instead of being held.
            var batch = new List<T>();
            var weight = 0L;
            var rest = false;
            await foreach (var row in query.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Take(batchSize).Select(projection).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                batch.Add(row);
                weight += weightOf?.Invoke(row) ?? 0;
                if (weight >= maxWeight && batch.Count < batchSize)
                {
                    rest = true;
                    break;
                }
            }

            if (batch.Count == 0)
            {
                yield break;
            }

            yield return batch;
            if (batch.Count < batchSize && !rest)
            {
                yield break;
            }

            (afterCreatedAt, afterId) = keyOf(batch[^1]);
        }
    }

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
