using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using CsvHelper;
using nietras.SeparatedValues;

namespace Aiprod.Benchmarks;

/// <summary>
/// The CSV library of the exports, chosen by this measurement: 10,000 rows shaped like a job export (24 columns:
/// ids, times, numbers, text with commas, quotes and line breaks, a JSON array cell, and one formula-like cell in
/// ten) written as UTF-8 with CRLF into a stream, the way the exporter writes. CsvHelper does the OWASP escaping
/// itself; Sep has none, so its run adds the leading <c>'</c> by hand (and cannot force the quotes OWASP asks for).
/// </summary>
[MemoryDiagnoser]
public class CsvLibraryBenchmarks
{
    private const int Rows = 10_000;
    private const string Injection = "=+-@\t\r\n";
    private string[] header = null!;
    private string?[][] rows = null!;

    [GlobalSetup]
    public void Setup()
    {
        header = [.. Enumerable.Range(0, 24).Select(i => i < 18 ? $"column_{i}" : $"result.output.field_{i}")];
        var start = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        rows = [.. Enumerable.Range(0, Rows).Select(i => new string?[]
        {
            Guid.CreateVersion7(start.AddSeconds(i)).ToString(), "completed", "quick_social", "normal", "en", "30",
            i % 7 == 0 ? "A teaser, \"with quotes\"\nand a second line" : $"Teaser {i} for a coffee brand, 30 seconds",
            "100", "0", start.AddSeconds(i).ToString("O", CultureInfo.InvariantCulture), start.AddSeconds(i + 3).ToString("O", CultureInfo.InvariantCulture),
            start.AddSeconds(i + 1).ToString("O", CultureInfo.InvariantCulture), start.AddSeconds(i + 3).ToString("O", CultureInfo.InvariantCulture),
            "10", "0", "true", null, "9000",
            $"s3://bucket/renders/{i}.mp4", "720", "[\"intro\",\"product\",\"outro\"]", i % 10 == 0 ? "=HYPERLINK(\"http://x\")" : "Coffee — the morning ritual ☕",
            "1920x1080", "h264",
        })];
        // For MB/s: the bytes of one run, the same for both libraries within the quotes CsvHelper adds to escaped cells.
        Console.WriteLine($"// bytes per run: CsvHelper {CsvHelperWrite().Length:N0}, Sep {Sep():N0}");
    }

    [Benchmark(Baseline = true)]
    public long CsvHelper() => CsvHelperWrite().Length;

    [Benchmark]
    public long Sep()
    {
        using var stream = new MemoryStream();
        using (var text = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" })
        using (var writer = nietras.SeparatedValues.Sep.New(',').Writer(o => o with { Escape = true }).To(text))
        {
            foreach (var row in rows)
            {
                using var written = writer.NewRow();
                for (var c = 0; c < row.Length; c++)
                {
                    var cell = row[c] ?? string.Empty;
                    written[header[c]].Set(cell.Length > 0 && Injection.Contains(cell[0], StringComparison.Ordinal) ? "'" + cell : cell);
                }
            }
        }

        return stream.Length;
    }

    private MemoryStream CsvHelperWrite()
    {
        var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, new CsvWriterOptions { NewLine = "\r\n", Injection = CsvInjection.Escape, InjectionCharacters = Injection }, leaveOpen: true))
        {
            foreach (var name in header)
            {
                csv.WriteField(name);
            }

            csv.EndRecord();
            foreach (var row in rows)
            {
                foreach (var cell in row)
                {
                    csv.WriteField(cell);
                }

                csv.EndRecord();
            }
        }

        return stream;
    }
}
