using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>The exporter's promises that hold for every format: size limit, asynchronous writes only, progress; and the many-job ZIP.</summary>
public sealed class ExportWriterTests
{
    public static TheoryData<ExportFormat> Formats => new(Enum.GetValues<ExportFormat>());

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task PastTheSizeLimit_TheExportStops_WithoutWritingTheBytesThatWouldPassIt(ExportFormat format)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var (owner, _) = await CsvExportTests.TrickyJobsAsync(database, ct);
        using var whole = new MemoryStream();
        var full = await database.Exporter().WriteAsync(ExportDatabase.All(owner), format, new ExportWriteOptions(), whole, null, ct);
        var limit = full.BytesWritten - 1;

        using var file = new MemoryStream();
        var refused = await Assert.ThrowsAsync<ExportSizeLimitExceededException>(() =>
            database.Exporter().WriteAsync(ExportDatabase.All(owner), format, new ExportWriteOptions(MaxBytes: limit), file, null, ct));

        Assert.Equal(limit, refused.MaxBytes);
        Assert.True(file.Length <= limit, $"{file.Length} bytes written under a limit of {limit}");
        using var exact = new MemoryStream();
        var atLimit = await database.Exporter().WriteAsync(ExportDatabase.All(owner), format, new ExportWriteOptions(MaxBytes: full.BytesWritten), exact, null, ct);
        Assert.Equal(5, atLimit.JobsWritten);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task EveryWrite_IsAsynchronous(ExportFormat format)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var (owner, jobs) = await CsvExportTests.TrickyJobsAsync(database, ct);
        var destination = new AsyncOnlyStream();

        var one = await database.Exporter().WriteAsync(new ExportSelection(owner, [jobs[0].Id], null, null, null, null), format, new ExportWriteOptions(), destination, null, ct);
        var all = await database.Exporter().WriteAsync(ExportDatabase.All(owner), format, new ExportWriteOptions(), destination, null, ct);

        Assert.Equal((1, 5), (one.JobsWritten, all.JobsWritten));
        Assert.Equal(one.BytesWritten + all.BytesWritten, destination.Length);
    }

    [Fact]
    public async Task Progress_CountsJobsOfTheTotal_AndBytes_UpToTheEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var ann = await database.AddUserAsync("ann@example.com", ct);
        await database.AddAsync(Enumerable.Range(0, 450).Select(i => ExportDatabase.Job(ann.Id, ExportDatabase.Start.AddSeconds(i), $"job {i}", database.WorkerKey.Id)), ct);
        var reports = new List<ExportProgress>();

        using var file = new MemoryStream();
        var result = await database.Exporter().WriteAsync(ExportDatabase.All(ann.Id), ExportFormat.JsonLines, new ExportWriteOptions(), file, new SynchronousProgress(reports.Add), ct);

        Assert.Equal([200, 400, 450, 450], reports.Select(r => r.JobsWritten));
        Assert.All(reports, r => Assert.Equal(450, r.JobsTotal));
        Assert.Equal(reports.Select(r => r.BytesWritten).Order(), reports.Select(r => r.BytesWritten));
        Assert.Equal(result.BytesWritten, reports[^1].BytesWritten);
    }

    [Fact]
    public async Task ManyJobs_AsZip_AreAFolderPerJob_AndOneCsv_AndTheManifestHashesMatch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var (owner, jobs) = await CsvExportTests.TrickyJobsAsync(database, ct);

        var bytes = await CsvExportTests.ExportAsync(database, owner, ExportFormat.Zip, new ExportWriteOptions(), ct);

        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var expected = jobs.SelectMany(j => new[] { "metadata.json", "result.json", "logs.txt" }.Select(f => $"jobs/{j.Id.Value}/{f}"))
            .Append("jobs.csv").Append("manifest.json");
        Assert.Equal(expected.Order(StringComparer.Ordinal), archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        using var manifest = JsonDocument.Parse(Read(archive, "manifest.json"));
        Assert.Equal(5, manifest.RootElement.GetProperty("job_count").GetInt32());
        var listed = manifest.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(archive.Entries.Count - 1, listed.Count);
        foreach (var entry in listed)
        {
            var content = Read(archive, entry.GetProperty("name").GetString()!);
            Assert.Equal(entry.GetProperty("size").GetInt64(), content.Length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), entry.GetProperty("sha256").GetString());
        }

        var csv = await CsvExportTests.ExportAsync(database, owner, ExportFormat.Csv, new ExportWriteOptions(), ct);
        Assert.Equal(csv, Read(archive, "jobs.csv"));
        Assert.Equal("rendering", Encoding.UTF8.GetString(Read(archive, $"jobs/{jobs[0].Id.Value}/logs.txt")).Split(' ', 3)[2].TrimEnd('\n'));
        using var result = JsonDocument.Parse(Read(archive, $"jobs/{jobs[3].Id.Value}/result.json"));
        Assert.Equal("-1 frames", result.RootElement.GetProperty("result").GetProperty("error_message").GetString());
    }

    private static byte[] Read(ZipArchive archive, string name)
    {
        using var entry = archive.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        entry.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>A destination that refuses synchronous writes and flushes, as Kestrel's response body does.</summary>
    private sealed class AsyncOnlyStream : Stream
    {
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

        public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("Synchronous write.");

        public override void WriteByte(byte value) => throw new InvalidOperationException("Synchronous write.");

        public override void Flush() => throw new InvalidOperationException("Synchronous flush.");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            length += buffer.Length;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Reports on the writer's thread, in order (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<ExportProgress> report) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => report(value);
    }
}
