using System.IO.Compression;
using System.Text;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Aiprod.Infrastructure.Exports;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>
/// Log lines are written as they are read, never collected: a job may hold 1,000 lines of 2,000 characters, and a
/// batch of such jobs held whole would be hundreds of MB per export. Checked structurally, without timing: at every
/// write to the destination, the lines read from the database so far are at most a drain's worth ahead of the lines
/// already written out.
/// </summary>
public sealed class ExportLogStreamingTests
{
    private const int Jobs = 3;

    private const int LinesPerJob = 300;

    /// <summary>A drain threshold (64 KB) holds about 33 lines of this size; twice that is the bound allowed.</summary>
    private const int MaxLinesAhead = 70;

    private const string Marker = "LINE|";

    [Theory]
    [InlineData(ExportFormat.Json)]
    [InlineData(ExportFormat.JsonLines)]
    public async Task LogLines_AreWrittenAsTheyAreRead_NotCollectedPerBatch(ExportFormat format)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var owner = await SeedAsync(database, ct);
        var reader = new ExportJobReader(database.Context());
        var destination = new ObservingStream(reader);

        var result = await database.Exporter(reader).WriteAsync(ExportDatabase.All(owner), format, new ExportWriteOptions(), destination, null, ct);

        var worst = destination.Writes.Max(w => w.LinesRead - CountMarkers(destination.ToArray().AsSpan(0, (int)w.BytesBefore + w.Length).ToArray()));
        Assert.True(worst <= MaxLinesAhead, $"the reader was {worst} log lines ahead of the file");
        Assert.Equal(Jobs, result.JobsWritten);
        Assert.Equal(Jobs * LinesPerJob, reader.LogLinesRead);
        Assert.Equal(Jobs * LinesPerJob, CountMarkers(destination.ToArray()));
    }

    [Fact]
    public async Task Zip_WritesEachJobsLogText_WhileItsLinesAreStillBeingRead()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var owner = await SeedAsync(database, ct);
        var reader = new ExportJobReader(database.Context());
        var destination = new ObservingStream(reader);

        await database.Exporter(reader).WriteAsync(ExportDatabase.All(owner), ExportFormat.Zip, new ExportWriteOptions(), destination, null, ct);

        // The archive is compressed, so lines cannot be counted in it; instead: writes reached the destination while
        // the first job's lines were still being read, many times.
        var midFirstJob = destination.Writes.Select(w => w.LinesRead).Where(n => n is > 0 and < LinesPerJob).Distinct().Count();
        Assert.True(midFirstJob >= 5, $"only {midFirstJob} writes happened while the first job's lines were read");
        using var zip = new ZipArchive(new MemoryStream(destination.ToArray()), ZipArchiveMode.Read);
        Assert.Equal(Jobs, zip.Entries.Count(e => e.Name == "logs.txt"));
    }

    private static async Task<Domain.Users.UserId> SeedAsync(ExportDatabase database, CancellationToken ct)
    {
        var ann = await database.AddUserAsync("ann@example.com", ct);
        var random = new Random(11);
        string Line(int job, int n)
        {
            // Random letters: the ZIP's deflater cannot shrink them to nothing, so its output follows its input.
            var filler = new string([.. Enumerable.Range(0, 1900).Select(_ => (char)('a' + random.Next(26)))]);
            return $"{Marker}{job}/{n} {filler}";
        }

        await database.AddAsync(
            Enumerable.Range(0, Jobs).Select(j => ExportDatabase.Job(
                ann.Id, ExportDatabase.Start.AddSeconds(j), $"job {j}", database.WorkerKey.Id, output: "{}", logs: [.. Enumerable.Range(0, LinesPerJob).Select(n => Line(j, n))])),
            ct);
        return ann.Id;
    }

    private static int CountMarkers(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var count = 0;
        for (var at = text.IndexOf(Marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Marker, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>A memory stream that notes, at each write, how many log lines the reader had handed out.</summary>
    private sealed class ObservingStream(ExportJobReader reader) : MemoryStream
    {
        public List<(long LinesRead, long BytesBefore, int Length)> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add((reader.LogLinesRead, Length, buffer.Length));
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Writes.Add((reader.LogLinesRead, Length, count));
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }
    }
}
