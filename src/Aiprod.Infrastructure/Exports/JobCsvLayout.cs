using System.Buffers;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using System.Text.Json;
using Aiprod.Application.Common;
using Aiprod.Domain.Jobs;

namespace Aiprod.Infrastructure.Exports;

/// <summary>The fields of a job its CSV row holds: what the CSV export reads instead of whole entities.</summary>
internal sealed record CsvJob(
    JobId Id,
    JobStatus Status,
    JobPreset Preset,
    JobPriority Priority,
    string Lang,
    int DurationSec,
    string Content,
    int Progress,
    int RetryCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int LogCount,
    int DroppedLogCount,
    bool? ResultSuccess,
    string? ErrorMessage,
    long? ExecutionTimeMs,
    string? ResultOutput)
{
    /// <summary>The query's projection: the database sends these columns only, and no entity is built.</summary>
    public static readonly Expression<Func<PipelineJob, CsvJob>> Projection = j => new CsvJob(
        j.Id, j.Status, j.Preset, j.Priority, j.Lang, j.DurationSec, j.Content, j.Progress, j.RetryCount, j.CreatedAt, j.UpdatedAt,
        j.StartedAt, j.CompletedAt, j.LogCount, j.DroppedLogCount, j.ResultSuccess, j.ErrorMessage, j.ExecutionTimeMs, j.ResultOutput);

    private static readonly Func<PipelineJob, CsvJob> FromEntity = Projection.Compile();

    public static CsvJob Of(PipelineJob job) => FromEntity(job);

    /// <summary>The characters of the row's free text, which is what can make one row large (a batch's weight).</summary>
    public static long TextChars(CsvJob job) =>
        job.Content.Length + (job.ErrorMessage?.Length ?? 0) + (job.ResultOutput?.Length ?? 0);
}

/// <summary>
/// The columns of a job CSV, known before its first row: the job's own columns, then one dotted column per leaf of
/// the workers' outputs (<c>result.output.video.url</c>). A leaf is a value that is not an object with properties:
/// text, a number, a boolean, null, an empty object or an array; arrays stay whole, as a JSON cell, since spreading
/// them over numbered columns would give every job another shape. Column names match the dotted paths of the JSON
/// export, so a row reads back as the JSON of the same job.
/// </summary>
/// <remarks>
/// Outputs are read with <see cref="Utf8JsonReader"/> rather than parsed into <see cref="JsonDocument"/>s: a leaf's
/// path is built in one reused buffer and looked up as a span, so the first pass allocates only for a path it has not
/// seen, and a row only for its cells (the CSV export's rate, README "Exports"). The cells are what
/// <see cref="JsonElement"/> gives: <see cref="JsonElement.GetString"/> for text, the JSON text as written for numbers,
/// arrays and empty objects; of two leaves with one path (a key with a dot in it) the later wins.
/// </remarks>
internal sealed class JobCsvLayout
{
    /// <summary>
    /// Past this many distinct output leaves the outputs are not flattened: one <c>result.output</c> column holds each
    /// output as JSON, so that a set of outputs with ever-new keys cannot grow a file's header without bound.
    /// </summary>
    public const int MaxOutputColumns = 1000;

    public const string OutputColumn = "result.output";

    private const string OutputPrefix = OutputColumn + ".";

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz";

    /// <summary>As JsonDocument.Parse(string) transcodes: invalid UTF-16 is refused, not replaced.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly (string Name, Func<CsvJob, string?> Value)[] JobColumns =
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

    /// <summary>An output path's column in a row, looked up by the span of the path being read.</summary>
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> columnOf;

    private JobCsvLayout(IReadOnlyList<string> outputPaths, bool outputAsJson)
    {
        OutputPaths = outputPaths;
        OutputAsJson = outputAsJson;
        Header = [.. JobColumns.Select(c => c.Name), .. outputAsJson ? [OutputColumn] : outputPaths.Select(ColumnName)];
        var columns = new Dictionary<string, int>(outputPaths.Count, StringComparer.Ordinal);
        for (var i = 0; i < outputPaths.Count; i++)
        {
            columns.TryAdd(outputPaths[i], JobColumns.Length + i);
        }

        columnOf = columns.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// What a leaf of an output is handed to while one output is read: the reader is on the leaf's value (on its last
    /// token for an array or an empty object, whose JSON text is <c>raw</c>).
    /// </summary>
    private interface ILeafSink
    {
        void Leaf(ReadOnlySpan<char> path, ref Utf8JsonReader reader, ReadOnlySpan<byte> raw);
    }

    public IReadOnlyList<string> Header { get; }

    /// <summary>Paths under the output, dotted; the empty path is an output that is not an object.</summary>
    public IReadOnlyList<string> OutputPaths { get; }

    public bool OutputAsJson { get; }

    public static string ColumnName(string outputPath) => outputPath.Length == 0 ? OutputColumn : OutputPrefix + outputPath;

    /// <summary>The columns a caller declared, as <c>result.output.a.b</c> or as the path under the output (<c>a.b</c>).</summary>
    public static JobCsvLayout Declared(IReadOnlyList<string> columns)
    {
        var paths = columns
            .Select(c => c == OutputColumn ? string.Empty : c.StartsWith(OutputPrefix, StringComparison.Ordinal) ? c[OutputPrefix.Length..] : c)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new JobCsvLayout(paths, outputAsJson: false);
    }

    /// <summary>The first pass: every leaf path of every output, one output in memory at a time, in ordinal order.</summary>
    public static async Task<JobCsvLayout> DiscoverAsync(IAsyncEnumerable<string> outputs, CancellationToken cancellationToken)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var sink = new PathCollector(paths.GetAlternateLookup<ReadOnlySpan<char>>());
        await foreach (var output in outputs.WithCancellation(cancellationToken))
        {
            Read(output, ref sink);
            if (paths.Count > MaxOutputColumns)
            {
                return new JobCsvLayout([], outputAsJson: true);
            }
        }

        return new JobCsvLayout(Sorted(paths), outputAsJson: false);
    }

    public static JobCsvLayout ForOutputs(IEnumerable<string?> outputs)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var sink = new PathCollector(paths.GetAlternateLookup<ReadOnlySpan<char>>());
        foreach (var output in outputs.OfType<string>())
        {
            Read(output, ref sink);
        }

        return paths.Count > MaxOutputColumns ? new JobCsvLayout([], outputAsJson: true) : new JobCsvLayout(Sorted(paths), outputAsJson: false);
    }

    /// <summary>The row of one job, in <see cref="Header"/> order; null for an empty cell.</summary>
    public string?[] Row(PipelineJob job) => Row(CsvJob.Of(job));

    /// <summary>The row of one job, in <see cref="Header"/> order; null for an empty cell.</summary>
    public string?[] Row(CsvJob job)
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

        var sink = new RowFiller(columnOf, row);
        Read(output, ref sink);
        return row;
    }

    /// <summary>As <c>ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz")</c> of the UTC time, through the faster "O" format.</summary>
    internal static string? Time(DateTimeOffset? value)
    {
        if (value is not { } time)
        {
            return null;
        }

        // "O" of a UTC offset: yyyy-MM-ddTHH:mm:ss.fffffff+00:00, the fraction always seven digits; F trims its zeros.
        Span<char> text = stackalloc char[33];
        if (!time.ToUniversalTime().TryFormat(text, out var length, "O", CultureInfo.InvariantCulture) || length != 33)
        {
            return time.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture);
        }

        const int Dot = 19;
        var end = Dot + 8;
        while (end > Dot + 1 && text[end - 1] == '0')
        {
            end--;
        }

        if (end == Dot + 1)
        {
            end = Dot;
        }

        return string.Concat(text[..end], text[(Dot + 8)..]);
    }

    /// <summary>
    /// Reads one output whole, as <c>JsonDocument.Parse</c> would (the same depth limit, and text after the value
    /// refused), handing each leaf to <paramref name="sink"/>.
    /// </summary>
    private static void Read<TSink>(string output, ref TSink sink)
        where TSink : struct, ILeafSink
    {
        var bytes = ArrayPool<byte>.Shared.Rent(StrictUtf8.GetMaxByteCount(output.Length));
        char[]? path = null;
        try
        {
            var json = bytes.AsSpan(0, StrictUtf8.GetBytes(output, bytes));
            // A path is at most its names and a dot between each two, which the JSON text's quotes outnumber.
            path = ArrayPool<char>.Shared.Rent(Math.Max(json.Length, 1));
            var reader = new Utf8JsonReader(json);
            reader.Read();
            Walk(ref reader, json, path, 0, ref sink);
            while (reader.Read())
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            if (path is not null)
            {
                ArrayPool<char>.Shared.Return(path);
            }
        }
    }

    /// <summary>The value the reader is on, whose path is <c>path[..length]</c>; the reader ends on its last token.</summary>
    private static void Walk<TSink>(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, char[] path, int length, ref TSink sink)
        where TSink : struct, ILeafSink
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var start = (int)reader.TokenStartIndex;
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    sink.Leaf(path.AsSpan(0, length), ref reader, json[start..(int)reader.BytesConsumed]);
                    return;
                }

                while (reader.TokenType == JsonTokenType.PropertyName)
                {
                    // As the dotted join of names: a dot only after a non-empty path, so the child of "" is "b", not ".b".
                    var nameAt = length == 0 ? 0 : length + 1;
                    if (length != 0)
                    {
                        path[length] = '.';
                    }

                    var nameLength = reader.CopyString(path.AsSpan(nameAt));
                    reader.Read();
                    Walk(ref reader, json, path, nameAt + nameLength, ref sink);
                    reader.Read();
                }

                return;
            case JsonTokenType.StartArray:
                var arrayStart = (int)reader.TokenStartIndex;
                reader.Skip();
                sink.Leaf(path.AsSpan(0, length), ref reader, json[arrayStart..(int)reader.BytesConsumed]);
                return;
            default:
                sink.Leaf(path.AsSpan(0, length), ref reader, reader.ValueSpan);
                return;
        }
    }

    private static List<string> Sorted(HashSet<string> paths)
    {
        var sorted = paths.ToList();
        sorted.Sort(StringComparer.Ordinal);
        return sorted;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Adds each path not yet seen; a path seen before costs a lookup and no string.</summary>
    private readonly struct PathCollector(HashSet<string>.AlternateLookup<ReadOnlySpan<char>> paths) : ILeafSink
    {
        public void Leaf(ReadOnlySpan<char> path, ref Utf8JsonReader reader, ReadOnlySpan<byte> raw) => paths.Add(path);
    }

    /// <summary>Puts each leaf whose path has a column into the row; the text of other leaves is never made.</summary>
    private readonly struct RowFiller(Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> columnOf, string?[] row) : ILeafSink
    {
        public void Leaf(ReadOnlySpan<char> path, ref Utf8JsonReader reader, ReadOnlySpan<byte> raw)
        {
            if (!columnOf.TryGetValue(path, out var column))
            {
                return;
            }

            row[column] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Null => null,
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => Encoding.UTF8.GetString(raw),
            };
        }
    }
}
