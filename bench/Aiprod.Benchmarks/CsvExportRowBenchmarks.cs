using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Exports;
using BenchmarkDotNet.Attributes;

namespace Aiprod.Benchmarks;

/// <summary>
/// The CSV export's work per job once the rows are read: the first pass over the outputs (the layout), each job's row
/// and its CSV encoding, over 10,000 jobs shaped as <c>Aiprod.Bench.Exports</c> seeds them (a nested output with an
/// array), into a memory stream. The baseline is the layout as it was (<see cref="LegacyJobCsvLayout"/>, a
/// <see cref="System.Text.Json.JsonDocument"/> per output and pass, a dictionary per row) on whole entities; the fast
/// path reads the outputs with <see cref="System.Text.Json.Utf8JsonReader"/> into the row and takes the
/// <see cref="CsvJob"/> projection the export now queries. The parts are measured alone too, and the CSV encoding of
/// ready rows, which neither layout changes.
/// </summary>
[MemoryDiagnoser]
public class CsvExportRowBenchmarks
{
    private const int Jobs = 10_000;
    private readonly MemoryStream destination = new();
    private PipelineJob[] entities = null!;
    private CsvJob[] projected = null!;
    private string[] outputs = null!;
    private string?[][] rows = null!;

    [GlobalSetup]
    public void Setup()
    {
        var owner = new UserId(Guid.CreateVersion7());
        var worker = BenchJobs.Worker(owner);
        entities = [.. Enumerable.Range(0, Jobs).Select(i => BenchJobs.Completed(owner, worker, i))];
        projected = [.. entities.Select(CsvJob.Of)];
        outputs = [.. entities.Select(j => j.ResultOutput!)];
        var layout = JobCsvLayout.ForOutputs(outputs);
        rows = [.. projected.Select(layout.Row)];

        var legacy = Legacy().GetAwaiter().GetResult();
        var legacyBytes = destination.ToArray();
        var fast = Fast().GetAwaiter().GetResult();
        if (!legacyBytes.AsSpan().SequenceEqual(destination.ToArray()) || legacy != fast)
        {
            throw new InvalidOperationException("The fast path writes other bytes than the baseline.");
        }

        Console.WriteLine($"// bytes per run: {legacy:N0}");
    }

    [Benchmark(Baseline = true)]
    public async Task<long> Legacy()
    {
        var layout = await LegacyJobCsvLayout.DiscoverAsync(Async(outputs), CancellationToken.None);
        return await WriteAsync(layout.Header, entities, layout.Row);
    }

    [Benchmark]
    public async Task<long> Fast()
    {
        var layout = await JobCsvLayout.DiscoverAsync(Async(outputs), CancellationToken.None);
        return await WriteAsync(layout.Header, projected, layout.Row);
    }

    [Benchmark]
    public async Task<int> LegacyLayoutOnly() => (await LegacyJobCsvLayout.DiscoverAsync(Async(outputs), CancellationToken.None)).Header.Count;

    [Benchmark]
    public async Task<int> FastLayoutOnly() => (await JobCsvLayout.DiscoverAsync(Async(outputs), CancellationToken.None)).Header.Count;

    [Benchmark]
    public int LegacyRowsOnly()
    {
        var layout = LegacyJobCsvLayout.ForOutputs(outputs.Take(1));
        var cells = 0;
        foreach (var job in entities)
        {
            cells += layout.Row(job).Length;
        }

        return cells;
    }

    [Benchmark]
    public int FastRowsOnly()
    {
        var layout = JobCsvLayout.ForOutputs(outputs.Take(1));
        var cells = 0;
        foreach (var job in projected)
        {
            cells += layout.Row(job).Length;
        }

        return cells;
    }

    [Benchmark]
    public async Task<long> CsvEncodingOnly() => await WriteAsync(rows[0].Select((_, i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), rows, r => r);

    private static async IAsyncEnumerable<string> Async(IEnumerable<string> items)
    {
        foreach (var item in items)
        {
            yield return item;
        }

        await Task.CompletedTask;
    }

    private async Task<long> WriteAsync<T>(IReadOnlyList<string?> header, IEnumerable<T> jobs, Func<T, string?[]> row)
    {
        destination.SetLength(0);
        await using (var csv = JobCsvWriter.Create(destination, bom: false))
        {
            await csv.WriteRowAsync(header, CancellationToken.None);
            foreach (var job in jobs)
            {
                await csv.WriteRowAsync(row(job), CancellationToken.None);
            }

            await csv.FlushAsync(CancellationToken.None);
        }

        return destination.Length;
    }
}
