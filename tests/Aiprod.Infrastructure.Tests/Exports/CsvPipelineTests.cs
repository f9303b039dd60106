using System.Data.Common;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Exports;
using Aiprod.Infrastructure.Persistence;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>
/// The CSV export reads its batches on one task while another writes the rows (README "Exports"): every job once and in
/// order across its batches, and whichever side fails, the export fails with that side's error and the reading task
/// has stopped using the database context by the time the export returns.
/// </summary>
public sealed class CsvPipelineTests
{
    [Fact]
    public async Task TheCsv_HoldsEverySelectedJobOnce_InCreationOrder_AcrossItsBatchesAndTiedCreationTimes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var ann = await database.AddUserAsync("ann@example.com", ct);
        var bob = await database.AddUserAsync("bob@example.com", ct);
        // More than two CSV batches, and a run of jobs created in the same instant that straddles a batch boundary.
        var count = (ExportJobReader.CsvBatchSize * 2) + 50;
        var tied = (ExportJobReader.CsvBatchSize - 100)..(ExportJobReader.CsvBatchSize + 150);
        var annJobs = Enumerable.Range(0, count)
            .Select(i => ExportDatabase.Job(ann.Id, ExportDatabase.Start.AddSeconds(i >= tied.Start.Value && i < tied.End.Value ? tied.Start.Value : i), $"ann {i}", database.WorkerKey.Id))
            .ToList();
        await database.AddAsync(annJobs, ct);
        await database.AddAsync(Enumerable.Range(0, 30).Select(i => ExportDatabase.Job(bob.Id, ExportDatabase.Start.AddSeconds(i), $"bob {i}", database.WorkerKey.Id)), ct);

        using var file = new MemoryStream();
        var result = await database.Exporter().WriteAsync(ExportDatabase.All(ann.Id), ExportFormat.Csv, new ExportWriteOptions(), file, null, ct);

        var rows = ReadRows(file.ToArray());
        Assert.Equal(count, result.JobsWritten);
        Assert.Equal(count, rows.Count);
        Assert.Equal(annJobs.Select(j => j.Id.Value.ToString()).Order(StringComparer.Ordinal), rows.Select(r => r.JobId).Order(StringComparer.Ordinal));
        // Oldest first, then by id: the keyset's order, ties included.
        var expected = annJobs.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Select(j => j.Id.Value.ToString()).ToList();
        Assert.Equal(expected, rows.Select(r => r.JobId));
    }

    [Fact]
    public async Task ADestinationThatFails_FailsTheExportWithItsError_AndTheReadingHasStoppedWhenItReturns()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var owner = await ManyJobsAsync(database, ExportJobReader.CsvBatchSize * 4, ct);

        // Failing at the first batch's flush, in the middle, and near the end: the reader is ahead of the writer each time.
        foreach (var failAt in new[] { 2, 3, 5, 8 })
        {
            await using var db = database.Context();
            var exporter = database.Exporter(new ExportJobReader(db));
            var destination = new FailingStream(failAt);

            await Assert.ThrowsAsync<IOException>(() => exporter.WriteAsync(ExportDatabase.All(owner), ExportFormat.Csv, new ExportWriteOptions(), destination, null, ct));

            // EF refuses a second operation on a context while one is running: a reading task still going would fail this.
            Assert.Equal(ExportJobReader.CsvBatchSize * 4, await db.PipelineJobs.CountAsync(j => j.OwnerId == owner, ct));
        }
    }

    [Fact]
    public async Task ACancelledExport_StopsBothSides_AndThrowsTheCancellation()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var owner = await ManyJobsAsync(database, ExportJobReader.CsvBatchSize * 4, ct);

        // Cancelled at the header's write, and at the first and second batches': each before the last batch is read.
        for (var round = 1; round <= 3; round++)
        {
            await using var db = database.Context();
            var exporter = database.Exporter(new ExportJobReader(db));
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var destination = new FailingStream(int.MaxValue, onWrite: n =>
            {
                if (n == round)
                {
                    cancel.Cancel();
                }
            });

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exporter.WriteAsync(ExportDatabase.All(owner), ExportFormat.Csv, new ExportWriteOptions(), destination, null, cancel.Token));

            Assert.Equal(ExportJobReader.CsvBatchSize * 4, await db.PipelineJobs.CountAsync(j => j.OwnerId == owner, ct));
        }
    }

    [Fact]
    public async Task AReadingThatFails_FailsTheExportWithItsError_AfterTheRowsBeforeIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var owner = await ManyJobsAsync(database, ExportJobReader.CsvBatchSize * 3, ct);
        await using var db = new SqliteAiprodDbContext(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite(database.Context().Database.GetConnectionString())
            .AddInterceptors(new FailingReads(afterReaders: 3))
            .Options);
        var exporter = database.Exporter(new ExportJobReader(db));
        using var file = new MemoryStream();

        // The count, the first pass and the first batch are read; the second batch's query fails.
        var failure = await Assert.ThrowsAsync<ReadFailedException>(() => exporter.WriteAsync(ExportDatabase.All(owner), ExportFormat.Csv, new ExportWriteOptions(), file, null, ct));

        Assert.Equal("read 4 failed", failure.Message);
        Assert.Equal(ExportJobReader.CsvBatchSize, ReadRows(file.ToArray()).Count);
    }

    [Fact]
    public async Task LargeOutputs_AreNotReadFarAheadOfAStalledDestination_AndEveryJobIsWrittenOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var ann = await database.AddUserAsync("ann@example.com", ct);
        // Outputs near their limit (256 KB of JSON): a batch of CsvBatchSize of them would be half a gigabyte. Every
        // third job shares its creation time with the one before, so some batches end inside a run of tied keys.
        const int Jobs = 150;
        const int OutputChars = 200_000;
        var jobs = Enumerable.Range(0, Jobs)
            .Select(i => ExportDatabase.Job(ann.Id, ExportDatabase.Start.AddSeconds(i - (i % 3 == 2 ? 1 : 0)), $"job {i}", database.WorkerKey.Id,
                output: $$"""{"n":{{i}},"blob":"{{new string((char)('a' + (i % 26)), OutputChars - 40)}}"}"""))
            .ToList();
        await database.AddAsync(jobs, ct);
        var rows = new RowsRead();
        await using var db = new SqliteAiprodDbContext(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite(database.Context().Database.GetConnectionString())
            .AddInterceptors(rows)
            .Options);
        var exporter = database.Exporter(new ExportJobReader(db));
        var destination = new StallingStream(stallAt: 2);

        var export = exporter.WriteAsync(ExportDatabase.All(ann.Id), ExportFormat.Csv, new ExportWriteOptions(Columns: ["n"]), destination, null, ct);
        await destination.Stalled.WaitAsync(TimeSpan.FromSeconds(60), ct);
        // Let the reading go as far ahead as it will: until it has read nothing more for a second.
        var seen = -1L;
        for (var i = 0; i < 30 && rows.Count != seen; i++)
        {
            seen = rows.Count;
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        // Held at once: the batch being written, two read ahead and the one the reading task holds while it waits,
        // each ending at the first row that passes CsvBatchChars.
        var bound = 4 * ((ExportJobReader.CsvBatchChars / OutputChars) + 1);
        Assert.InRange(rows.Count, 1, bound);

        destination.Release();
        var result = await export.WaitAsync(TimeSpan.FromSeconds(120), ct);
        Assert.Equal(Jobs, result.JobsWritten);
        var expected = jobs.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Select(j => j.Id.Value.ToString()).ToList();
        Assert.Equal(expected, ReadRows(destination.Written).Select(r => r.JobId));
    }

    private static async Task<UserId> ManyJobsAsync(ExportDatabase database, int count, CancellationToken ct)
    {
        var ann = await database.AddUserAsync("ann@example.com", ct);
        await database.AddAsync(Enumerable.Range(0, count).Select(i => ExportDatabase.Job(ann.Id, ExportDatabase.Start.AddSeconds(i), $"job {i}", database.WorkerKey.Id, output: $$"""{"n":{{i}},"url":"s3://x/{{i}}"}""")), ct);
        return ann.Id;
    }

    private static List<(string JobId, string CreatedAt)> ReadRows(byte[] csv)
    {
        using var reader = CsvReader.Create(new MemoryStream(csv), null, leaveOpen: false);
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            var header = reader.Headers.ToList();
            rows.Add((reader.GetString(header.IndexOf("job_id")), reader.GetString(header.IndexOf("created_at"))));
        }

        return rows;
    }

    private sealed class ReadFailedException(string message) : Exception(message);

    /// <summary>Fails every query after the first <paramref name="afterReaders"/>, as a database that went away would.</summary>
    private sealed class FailingReads(int afterReaders) : DbCommandInterceptor
    {
        private int readers;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            var n = Interlocked.Increment(ref readers);
            return n > afterReaders ? throw new ReadFailedException($"read {n} failed") : ValueTask.FromResult(result);
        }
    }

    /// <summary>Rows the export's batch queries (those with a LIMIT) have read so far.</summary>
    private sealed class RowsRead : DbCommandInterceptor
    {
        private long count;

        public long Count => Interlocked.Read(ref count);

        public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
        {
            if (command.CommandText.Contains("LIMIT", StringComparison.Ordinal))
            {
                Interlocked.Add(ref count, eventData.ReadCount);
            }

            return result;
        }
    }

    /// <summary>An asynchronous destination whose <paramref name="stallAt"/>-th write (counted from 1) waits until released.</summary>
    private sealed class StallingStream(int stallAt) : Stream
    {
        private readonly MemoryStream written = new();
        private readonly TaskCompletionSource stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int writes;

        public Task Stalled => stalled.Task;

        public byte[] Written => written.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => written.Length;

        public override long Position
        {
            get => written.Length;
            set => throw new NotSupportedException();
        }

        public void Release() => released.TrySetResult();

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous write.");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (++writes == stallAt)
            {
                stalled.TrySetResult();
                await released.Task.WaitAsync(cancellationToken);
            }

            written.Write(buffer.Span);
        }

        public override void Flush() => throw new InvalidOperationException("Synchronous flush.");

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>An asynchronous destination whose <paramref name="failAt"/>-th write (counted from 1) throws.</summary>
    private sealed class FailingStream(int failAt, Action<int>? onWrite = null) : Stream
    {
        private int writes;
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position
        {
            get => length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous write.");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            var n = ++writes;
            onWrite?.Invoke(n);
            if (n == failAt)
            {
                throw new IOException($"write {n} failed");
            }

            length += buffer.Length;
        }

        public override void Flush() => throw new InvalidOperationException("Synchronous flush.");

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
