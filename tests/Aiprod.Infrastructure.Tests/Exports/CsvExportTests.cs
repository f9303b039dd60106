using System.Text;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Exports;
using CsvHelper;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>
/// The CSV export against golden files (quoting, line breaks, unicode, the BOM, formula-injection payloads), and read
/// back with CsvHelper's reader against the JSON export of the same jobs.
/// </summary>
public sealed class CsvExportTests
{
    private static readonly string GoldenFolder = Path.Combine(AppContext.BaseDirectory, "Exports", "Golden");

    [Theory]
    [InlineData(false, "jobs.csv")]
    [InlineData(true, "jobs-bom.csv")]
    public async Task TheCsv_IsTheGoldenFile(bool bom, string golden)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var (owner, jobs) = await TrickyJobsAsync(database, ct);

        var actual = await ExportAsync(database, owner, ExportFormat.Csv, new ExportWriteOptions(Bom: bom), ct);

        var text = Encoding.UTF8.GetString(actual);
        for (var i = 0; i < jobs.Count; i++)
        {
            text = text.Replace(jobs[i].Id.Value.ToString(), $"{{job:{i}}}", StringComparison.Ordinal);
        }

        var expected = await File.ReadAllBytesAsync(Path.Combine(GoldenFolder, golden), ct);
        var preamble = Encoding.UTF8.Preamble.ToArray();
        Assert.Equal(bom, actual.AsSpan().StartsWith(preamble));
        Assert.Equal(bom, expected.AsSpan().StartsWith(preamble));
        Assert.Equal(Encoding.UTF8.GetString(expected), text);
    }

    [Fact]
    public async Task TheCsv_ReadBackWithCsvHelper_HoldsWhatTheJsonExportHolds_CellForCell()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var (owner, jobs) = await TrickyJobsAsync(database, ct);

        var csv = await ExportAsync(database, owner, ExportFormat.Csv, new ExportWriteOptions(Bom: true), ct);
        var json = JsonDocument.Parse(await ExportAsync(database, owner, ExportFormat.Json, new ExportWriteOptions(), ct));

        var expected = json.RootElement.GetProperty("jobs").EnumerateArray().Select(Flatten).ToList();
        using var reader = CsvReader.Create(new MemoryStream(csv), null, leaveOpen: false);
        var rows = new List<Dictionary<string, string>>();
        string[]? header = null;
        while (reader.Read())
        {
            header ??= [.. reader.Headers];
            rows.Add(header.Select((name, i) => (name, value: Unescape(reader.GetString(i)))).ToDictionary(c => c.name, c => c.value));
        }

        Assert.Equal(jobs.Count, rows.Count);
        Assert.Equal(expected.SelectMany(e => e.Keys).Distinct().Order(StringComparer.Ordinal), header!.Order(StringComparer.Ordinal));
        for (var i = 0; i < rows.Count; i++)
        {
            foreach (var (column, cell) in rows[i])
            {
                Assert.True(expected[i].GetValueOrDefault(column, string.Empty) == cell, $"row {i}, {column}: CSV '{cell}', JSON '{expected[i].GetValueOrDefault(column)}'");
            }
        }

        // Every injection payload went out escaped, and came back as it was.
        var text = Encoding.UTF8.GetString(csv);
        foreach (var payload in new[] { "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\tleading tab", "\rCR first", "\nLF first", "=1+1", "-1 frames" })
        {
            Assert.Contains($"\"'{payload.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", text, StringComparison.Ordinal);
            Assert.Contains(rows, r => r.ContainsValue(payload));
        }
    }

    [Fact]
    public async Task DeclaredColumns_AreTheOutputColumns_WithoutAFirstPass()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var (owner, _) = await TrickyJobsAsync(database, ct);

        var csv = Encoding.UTF8.GetString(await ExportAsync(database, owner, ExportFormat.Csv, new ExportWriteOptions(Columns: ["video.url", "result.output.missing"]), ct));

        var lines = csv.Split("\r\n");
        Assert.EndsWith(",result.output.video.url,result.output.missing", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",s3://b/0.mp4,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputsWithMoreLeavesThanTheCap_AreOneJsonColumn_SoNothingIsLost()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var ann = await database.AddUserAsync("ann@example.com", ct);
        var wide = "{" + string.Join(',', Enumerable.Range(0, JobCsvLayout.MaxOutputColumns + 1).Select(i => $"\"k{i}\":{i}")) + "}";
        await database.AddAsync([ExportDatabase.Job(ann.Id, ExportDatabase.Start, "wide", database.WorkerKey.Id, output: wide)], ct);

        var lines = Encoding.UTF8.GetString(await ExportAsync(database, ann.Id, ExportFormat.Csv, new ExportWriteOptions(), ct)).Split("\r\n");

        Assert.EndsWith(",result.output", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",\"" + wide.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", lines[1], StringComparison.Ordinal);
    }

    /// <summary>Five jobs whose fields and outputs hold every kind of cell a CSV writer can get wrong.</summary>
    internal static async Task<(UserId Owner, IReadOnlyList<PipelineJob> Jobs)> TrickyJobsAsync(ExportDatabase database, CancellationToken ct)
    {
        var ann = await database.AddUserAsync("ann@example.com", ct);
        var bob = await database.AddUserAsync("bob@example.com", ct);
        var worker = database.WorkerKey.Id;
        var at = ExportDatabase.Start;
        PipelineJob[] jobs =
        [
            ExportDatabase.Job(ann.Id, at, "He said \"hi\", then left", worker,
                output: """{"video":{"url":"s3://b/0.mp4","frames":720},"tags":["a","b"],"title":"=cmd|' /C calc'!A0"}""", logs: ["rendering"]),
            ExportDatabase.Job(ann.Id, at.AddSeconds(1), "line one\nline two\r\nline three", worker,
                output: """{"video":{"url":"s3://b/1.mp4"},"title":"+1","score":-1,"note":"@SUM(1)","empty":{},"nothing":null,"ok":true}"""),
            ExportDatabase.Job(ann.Id, at.AddSeconds(2), "Ünïcödé ✓ 日本語 🎬, naïve café", worker,
                output: """{"title":"\tleading tab","note":"\rCR first","extra":{"deep":{"x":"\nLF first"}},"list":[{"a":1},[2,3]]}"""),
            ExportDatabase.Job(ann.Id, at.AddSeconds(3), "a failed render", worker, failure: "-1 frames"),
            ExportDatabase.Job(ann.Id, at.AddSeconds(4), "=1+1", worker),
        ];
        await database.AddAsync(jobs, ct);
        await database.AddAsync([ExportDatabase.Job(bob.Id, at, "Bob's job, never in Ann's export", worker, output: """{"secret":"bob"}""")], ct);
        return (ann.Id, jobs);
    }

    internal static async Task<byte[]> ExportAsync(ExportDatabase database, UserId owner, ExportFormat format, ExportWriteOptions options, CancellationToken ct)
    {
        using var file = new MemoryStream();
        await database.Exporter().WriteAsync(ExportDatabase.All(owner), format, options, file, null, ct);
        return file.ToArray();
    }

    /// <summary>The injection escape taken off again: a leading ' before one of the characters that start a formula.</summary>
    private static string Unescape(string cell) =>
        cell.Length > 1 && cell[0] == '\'' && JobCsvWriter.InjectionCharacters.Contains(cell[1], StringComparison.Ordinal) ? cell[1..] : cell;

    /// <summary>A job of the JSON export as dotted columns, by the CSV's rules: objects flattened, arrays as JSON, null empty.</summary>
    private static Dictionary<string, string> Flatten(JsonElement job)
    {
        var cells = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in job.EnumerateObject().Where(p => p.Name is not ("state_history" or "logs")))
        {
            if (property.Name == "result")
            {
                foreach (var part in new[] { "success", "error_message", "execution_time_ms" })
                {
                    cells["result." + part] = property.Value.ValueKind == JsonValueKind.Null ? string.Empty : Text(property.Value.GetProperty(part));
                }

                if (property.Value.ValueKind == JsonValueKind.Object && property.Value.GetProperty("output") is { ValueKind: not JsonValueKind.Null } output)
                {
                    FlattenOutput(output, "result.output", cells);
                }

                continue;
            }

            cells[property.Name] = Text(property.Value);
        }

        return cells;
    }

    private static void FlattenOutput(JsonElement element, string path, Dictionary<string, string> cells)
    {
        if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().Any())
        {
            foreach (var property in element.EnumerateObject())
            {
                FlattenOutput(property.Value, path + "." + property.Name, cells);
            }

            return;
        }

        cells[path] = Text(element);
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => string.Empty,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
