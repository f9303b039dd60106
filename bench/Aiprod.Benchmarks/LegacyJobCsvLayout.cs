using System.Globalization;
using System.Text.Json;
using Aiprod.Application.Common;
using Aiprod.Domain.Jobs;

using Aiprod.Infrastructure.Exports;

namespace Aiprod.Benchmarks;

/// <summary>
/// The CSV layout as it was before the export's fast path (commit 949ccf4), kept verbatim but for its name as the
/// baseline of <see cref="CsvExportRowBenchmarks"/>. The columns of a job CSV, known before its first row: the job's own columns, then one dotted column per leaf of
/// the workers' outputs (<c>result.output.video.url</c>). A leaf is a value that is not an object with properties:
/// text, a number, a boolean, null, an empty object or an array; arrays stay whole, as a JSON cell, since spreading
/// them over numbered columns would give every job another shape. Column names match the dotted paths of the JSON
/// export, so a row reads back as the JSON of the same job.
/// </summary>
internal sealed class LegacyJobCsvLayout
{
    /// <summary>
    /// Past this many distinct output leaves the outputs are not flattened: one <c>result.output</c> column holds each
    /// output as JSON, so that a set of outputs with ever-new keys cannot grow a file's header without bound.
    /// </summary>
    public const int MaxOutputColumns = 1000;

    public const string OutputColumn = "result.output";

    private const string OutputPrefix = OutputColumn + ".";

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz";

    private static readonly (string Name, Func<PipelineJob, string?> Value)[] JobColumns =
    [
        ("job_id", j => j.Id.Value.ToString()),
        ("status", j => EnumNames.Of(j.Status)),
        ("preset", j => EnumNames.Of(j.Preset)),
        ("priority", j => EnumNames.Of(j.Priority)),
        ("lang", j => j.Lang),
        ("duration_sec", j => Number(j.DurationSec)),
        ("content", j => j.Content),
        ("progress", j => Number(j.Progress)),
        ("retry_count", j => Number(j.RetryCount)),
        (JobJsonWriter.CreatedAt, j => Time(j.CreatedAt)),
        (JobJsonWriter.UpdatedAt, j => Time(j.UpdatedAt)),
        ("started_at", j => Time(j.StartedAt)),
        ("completed_at", j => Time(j.CompletedAt)),
        ("log_lines", j => Number(j.LogCount)),
        ("dropped_log_lines", j => Number(j.DroppedLogCount)),
        ("result.success", j => j.ResultSuccess is { } success ? (success ? "true" : "false") : null),
        ("result.error_message", j => j.ResultSuccess is null ? null : j.ErrorMessage),
        ("result.execution_time_ms", j => j.ResultSuccess is null || j.ExecutionTimeMs is not { } ms ? null : Number(ms)),
    ];

    private LegacyJobCsvLayout(IReadOnlyList<string> outputPaths, bool outputAsJson)
    {
        OutputPaths = outputPaths;
        OutputAsJson = outputAsJson;
        Header = [.. JobColumns.Select(c => c.Name), .. outputAsJson ? [OutputColumn] : outputPaths.Select(ColumnName)];
    }

    public IReadOnlyList<string> Header { get; }

    /// <summary>Paths under the output, dotted; the empty path is an output that is not an object.</summary>
    public IReadOnlyList<string> OutputPaths { get; }

    public bool OutputAsJson { get; }

    public static string ColumnName(string outputPath) => outputPath.Length == 0 ? OutputColumn : OutputPrefix + outputPath;

    /// <summary>The columns a caller declared, as <c>result.output.a.b</c> or as the path under the output (<c>a.b</c>).</summary>
    public static LegacyJobCsvLayout Declared(IReadOnlyList<string> columns)
    {
        var paths = columns
            .Select(c => c == OutputColumn ? string.Empty : c.StartsWith(OutputPrefix, StringComparison.Ordinal) ? c[OutputPrefix.Length..] : c)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new LegacyJobCsvLayout(paths, outputAsJson: false);
    }

    /// <summary>The first pass: every leaf path of every output, one output in memory at a time, in ordinal order.</summary>
    public static async Task<LegacyJobCsvLayout> DiscoverAsync(IAsyncEnumerable<string> outputs, CancellationToken cancellationToken)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var output in outputs.WithCancellation(cancellationToken))
        {
            using var document = JsonDocument.Parse(output);
            Collect(document.RootElement, string.Empty, paths);
            if (paths.Count > MaxOutputColumns)
            {
                return new LegacyJobCsvLayout([], outputAsJson: true);
            }
        }

        return new LegacyJobCsvLayout(paths.ToList(), outputAsJson: false);
    }

    public static LegacyJobCsvLayout ForOutputs(IEnumerable<string?> outputs)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var output in outputs.OfType<string>())
        {
            using var document = JsonDocument.Parse(output);
            Collect(document.RootElement, string.Empty, paths);
        }

        return paths.Count > MaxOutputColumns ? new LegacyJobCsvLayout([], outputAsJson: true) : new LegacyJobCsvLayout(paths.ToList(), outputAsJson: false);
    }

    /// <summary>The row of one job, in <see cref="Header"/> order; null for an empty cell.</summary>
    public string?[] Row(PipelineJob job)
    {
        var row = new string?[Header.Count];
        for (var i = 0; i < JobColumns.Length; i++)
        {
            row[i] = JobColumns[i].Value(job);
        }

        if (job.ResultOutput is not { } output)
        {
            return row;
        }

        if (OutputAsJson)
        {
            row[JobColumns.Length] = output;
            return row;
        }

        var leaves = new Dictionary<string, string?>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(output))
        {
            Flatten(document.RootElement, string.Empty, leaves);
        }

        for (var i = 0; i < OutputPaths.Count; i++)
        {
            row[JobColumns.Length + i] = leaves.GetValueOrDefault(OutputPaths[i]);
        }

        return row;
    }

    private static void Collect(JsonElement element, string path, SortedSet<string> paths)
    {
        if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().Any())
        {
            foreach (var property in element.EnumerateObject())
            {
                Collect(property.Value, Join(path, property.Name), paths);
            }

            return;
        }

        paths.Add(path);
    }

    private static void Flatten(JsonElement element, string path, Dictionary<string, string?> leaves)
    {
        if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().Any())
        {
            foreach (var property in element.EnumerateObject())
            {
                Flatten(property.Value, Join(path, property.Name), leaves);
            }

            return;
        }

        leaves[path] = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => element.GetRawText(),
        };
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>As the JSON export writes times (System.Text.Json's ISO 8601), so a cell reads back as the JSON value.</summary>
    private static string? Time(DateTimeOffset? value) => value?.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture);
}
