using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Exports;
using Aiprod.Infrastructure.Persistence;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Aiprod.Benchmarks;

/// <summary>
/// The CSV export of 10,000 jobs (shaped as <c>Aiprod.Bench.Exports</c> seeds them) from a real SQLite file into a
/// memory stream, the database reads included. The baseline is the export as it was before it used two cores: one
/// thread reading batches of 200 with the keyset "created_at &gt; at OR (created_at = at AND id &gt; id)", which SQLite
/// cannot seek, laying out and encoding each batch before reading the next. <see cref="Exporter"/> is
/// <see cref="JobExporter"/> itself. Both write the same bytes (checked in the setup).
/// </summary>
[MemoryDiagnoser]
public class CsvExportDatabaseBenchmarks
{
    private const int Jobs = 10_000;
    private const int BeforeBatchSize = 200;
    private readonly MemoryStream destination = new();
    private string folder = null!;
    private UserId owner;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public async Task<long> Before()
    {
        destination.SetLength(0);
        await using var db = Context();
        var layout = await JobCsvLayout.DiscoverAsync(
            db.PipelineJobs.AsNoTracking().Where(j => j.OwnerId == owner && j.ResultOutput != null).Select(j => j.ResultOutput!).AsAsyncEnumerable(),
            CancellationToken.None);
        await using (var csv = JobCsvWriter.Create(destination, bom: false))
        {
            await csv.WriteRowAsync(layout.Header, CancellationToken.None);
            DateTimeOffset? afterAt = null;
            var afterId = default(JobId);
            while (true)
            {
                var query = db.PipelineJobs.AsNoTracking().Where(j => j.OwnerId == owner);
                if (afterAt is { } at)
                {
                    var id = afterId;
                    query = query.Where(j => j.CreatedAt > at || (j.CreatedAt == at && j.Id > id));
                }

                var batch = await query.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Take(BeforeBatchSize).Select(CsvJob.Projection).ToListAsync();
                foreach (var job in batch)
                {
                    await csv.WriteRowAsync(layout.Row(job), CancellationToken.None);
                }

                await csv.FlushAsync(CancellationToken.None);
                if (batch.Count < BeforeBatchSize)
                {
                    break;
                }

                (afterAt, afterId) = (batch[^1].CreatedAt, batch[^1].Id);
            }
        }

        return destination.Length;
    }

    [Benchmark]
    public async Task<long> Exporter()
    {
        destination.SetLength(0);
        await using var db = Context();
        var exporter = new JobExporter(new ExportJobReader(db), TimeProvider.System, Options.Create(new ExportOptions()));
        var result = await exporter.WriteAsync(new ExportSelection(owner, null, null, null, null, null), ExportFormat.Csv, new ExportWriteOptions(), destination, null, CancellationToken.None);
        return result.BytesWritten;
    }

    private SqliteAiprodDbContext Context() => new(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
        .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")}").Options);

    private async Task SetupAsync()
    {
        folder = Directory.CreateTempSubdirectory("aiprod-bench-csv-").FullName;
        Email.TryCreate("bench@example.com", out var address);
        var user = User.Register(address, null, "hash", BenchJobs.Start);
        owner = user.Id;
        var worker = BenchJobs.Worker(owner);
        await using (var db = Context())
        {
            await db.Database.MigrateAsync();
            db.AddRange(user, worker);
            for (var i = 0; i < Jobs; i++)
            {
                db.Add(BenchJobs.Completed(owner, worker, i));
            }

            await db.SaveChangesAsync();
        }

        var before = await Before();
        var beforeBytes = destination.ToArray();
        var exporter = await Exporter();
        if (before != exporter || !beforeBytes.AsSpan().SequenceEqual(destination.ToArray()))
        {
            throw new InvalidOperationException("The exporter writes other bytes than the baseline.");
        }

        Console.WriteLine($"// bytes per run: {before:N0}");
    }
}
