using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Exports;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// Writes exports of one owner's jobs, batch by batch (<see cref="ExportJobReader"/>), every write to the destination
/// asynchronous, through <see cref="ExportByteCounter"/> so that the size limit stops the export at the write that
/// would pass it. A selection of exactly one listed job is one job's document (json) or archive (zip); anything else
/// is a set (a "jobs" array, one jsonl line per job, one CSV row per job, a folder per job in the zip).
/// </summary>
internal sealed class JobExporter(ExportJobReader reader, TimeProvider clock, IOptions<ExportOptions> limits) : IJobExporter
{
    /// <summary>Bytes gathered before they go to the destination in one write.</summary>
    private const int DrainThreshold = 64 * 1024;

    /// <summary>Batches of CSV rows read ahead of the one being written (<see cref="ExportJobReader.CsvBatchSize"/> jobs each).</summary>
    private const int CsvBatchesAhead = 2;

    /// <summary>
    /// Outputs read ahead of the one being parsed in the CSV's first pass. An output may hold 256 KB of JSON: 16 of them
    /// are at most 8 MB held ahead (256 were 128 MB).
    /// </summary>
    private const int OutputsAhead = 16;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        return reader.CountAsync(selection, cancellationToken);
    }

    public async Task<ExportWriteResult> WriteAsync(
        ExportSelection selection,
        ExportFormat format,
        ExportWriteOptions options,
        Stream destination,
        IProgress<ExportProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(destination);
        var output = new ExportByteCounter(destination, options.MaxBytes);
        var total = await reader.CountAsync(selection, cancellationToken);
        var maxZipJobs = limits.Value.MaxZipJobs;
        if (format == ExportFormat.Zip && total > maxZipJobs)
        {
            throw new ExportTooManyJobsException(maxZipJobs);
        }

        var run = new Run(selection, options, output, new ProgressReport(progress, total, output), clock.GetUtcNow());
        var written = format switch
        {
            ExportFormat.Json => await WriteJsonAsync(run, cancellationToken),
            ExportFormat.JsonLines => await WriteJsonLinesAsync(run, cancellationToken),
            ExportFormat.Csv => await WriteCsvAsync(run, cancellationToken),
            ExportFormat.Zip => await WriteZipAsync(run, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not a member of ExportFormat."),
        };
        await output.FlushAsync(cancellationToken);
        run.Progress.Report(written);
        return new ExportWriteResult(written, output.BytesWritten);
    }

    private static bool IsOneJob(ExportSelection selection) => selection.JobIds is { } ids && ids.Distinct().Count() == 1;

    private async Task<int> WriteJsonAsync(Run run, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(DrainThreshold * 2);
        var json = new Utf8JsonWriter(buffer, JsonOptions);
        var written = 0;
        if (IsOneJob(run.Selection))
        {
            await foreach (var batch in reader.JobBatchesAsync(run.Selection, cancellationToken))
            {
                foreach (var job in await reader.WithStateChangesAsync(batch, cancellationToken))
                {
                    await WriteDocumentAsync(json, buffer, run, job, cancellationToken);
                    written++;
                }
            }

            await json.FlushAsync(cancellationToken);
            await DrainAsync(buffer, run.Output, cancellationToken);
            return written;
        }

        json.WriteStartObject();
        JobJsonWriter.WriteMetadata(json, run.ExportedAt);
        json.WriteStartArray("jobs");
        await json.FlushAsync(cancellationToken);
        // The head goes out before the first query, so a client sees the answer begin at once.
        await DrainAsync(buffer, run.Output, cancellationToken, flush: true);
        await foreach (var batch in reader.JobBatchesAsync(run.Selection, cancellationToken))
        {
            foreach (var job in await reader.WithStateChangesAsync(batch, cancellationToken))
            {
                await WriteJobAsync(json, buffer, run, job, cancellationToken);
                written++;
                if (json.BytesPending + buffer.WrittenCount >= DrainThreshold)
                {
                    await json.FlushAsync(cancellationToken);
                    await DrainAsync(buffer, run.Output, cancellationToken);
                }
            }

            await json.FlushAsync(cancellationToken);
            await DrainAsync(buffer, run.Output, cancellationToken, flush: true);
            run.Progress.Report(written);
        }

        json.WriteEndArray();
        json.WriteNumber("job_count", written);
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
        await DrainAsync(buffer, run.Output, cancellationToken);
        await json.DisposeAsync();
        return written;
    }

    private async Task<int> WriteJsonLinesAsync(Run run, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(DrainThreshold * 2);
        await using var json = new Utf8JsonWriter(buffer, JsonOptions);
        var written = 0;
        await foreach (var batch in reader.JobBatchesAsync(run.Selection, cancellationToken))
        {
            foreach (var job in await reader.WithStateChangesAsync(batch, cancellationToken))
            {
                await WriteDocumentAsync(json, buffer, run, job, cancellationToken);
                await json.FlushAsync(cancellationToken);
                buffer.Write("\n"u8);
                json.Reset();
                written++;
                if (buffer.WrittenCount >= DrainThreshold)
                {
                    await DrainAsync(buffer, run.Output, cancellationToken);
                }
            }

            await DrainAsync(buffer, run.Output, cancellationToken, flush: true);
            run.Progress.Report(written);
        }

        return written;
    }

    private async Task<int> WriteCsvAsync(Run run, CancellationToken cancellationToken)
    {
        var layout = await CsvLayoutAsync(run, cancellationToken);
        await using var csv = JobCsvWriter.Create(run.Output, run.Options.Bom);
        await csv.WriteRowAsync(layout.Header, cancellationToken);
        await csv.FlushAsync(cancellationToken);
        await run.Output.FlushAsync(cancellationToken);
        return await WriteCsvRowsAsync(run.Selection, layout, csv, async (written, ct) =>
        {
            await run.Output.FlushAsync(ct);
            run.Progress.Report(written);
        }, cancellationToken);
    }

    /// <summary>
    /// The rows of the selection, on two cores: a task of its own reads the batches from the database
    /// (<see cref="ReadAhead"/>, at most <see cref="CsvBatchesAhead"/> ahead) while this one lays out and encodes the
    /// batch before. After each batch the rows are flushed to the destination and <paramref name="afterBatch"/> is told
    /// how many were written.
    /// </summary>
    private async Task<int> WriteCsvRowsAsync(
        ExportSelection selection,
        JobCsvLayout layout,
        JobCsvWriter csv,
        Func<int, CancellationToken, ValueTask> afterBatch,
        CancellationToken cancellationToken)
    {
        var written = 0;
        await foreach (var batch in ReadAhead.Of(ct => reader.CsvBatchesAsync(selection, ct), CsvBatchesAhead, cancellationToken))
        {
            foreach (var job in batch)
            {
                await csv.WriteRowAsync(layout.Row(job), cancellationToken);
                written++;
            }

            await csv.FlushAsync(cancellationToken);
            await afterBatch(written, cancellationToken);
        }

        return written;
    }

    /// <summary>The declared columns, or the first pass over the outputs: read on a task of its own while this one parses.</summary>
    private async Task<JobCsvLayout> CsvLayoutAsync(Run run, CancellationToken cancellationToken) =>
        run.Options.Columns is { } declared
            ? JobCsvLayout.Declared(declared)
            : await JobCsvLayout.DiscoverAsync(ReadAhead.Of(_ => reader.OutputsAsync(run.Selection), OutputsAhead, cancellationToken), cancellationToken);

    /// <summary>
    /// One job: metadata.json, result.json, logs.txt, job.csv at the root. Many: the same three JSON/text files under
    /// jobs/{job_id}/, one jobs.csv for all of them, written after them. Both end with manifest.json.
    /// </summary>
    private async Task<int> WriteZipAsync(Run run, CancellationToken cancellationToken)
    {
        var manifest = new List<(string Name, long Size, string Sha256)>();
        var oneJob = IsOneJob(run.Selection);
        var written = 0;
        var zipOutput = new ZipOutputBuffer(run.Output);
        await using (var archive = await ZipArchive.CreateAsync(zipOutput, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken))
        {
            JobCsvLayout? oneJobLayout = null;
            PipelineJob? theJob = null;
            await foreach (var batch in reader.JobBatchesAsync(run.Selection, cancellationToken))
            {
                foreach (var job in await reader.WithStateChangesAsync(batch, cancellationToken))
                {
                    // Jobs submitted after the count above would otherwise let the archive's bookkeeping grow past the cap.
                    if (written == limits.Value.MaxZipJobs)
                    {
                        throw new ExportTooManyJobsException(written);
                    }

                    var folder = oneJob ? string.Empty : $"jobs/{job.Job.Id.Value}/";
                    manifest.Add(await AddEntryAsync(archive, folder + "metadata.json", Json(w => WriteMetadataEntry(w, job, run)), cancellationToken));
                    manifest.Add(await AddEntryAsync(archive, folder + "result.json", Json(w => WriteResultEntry(w, job)), cancellationToken));
                    if (run.Options.IncludeLogs)
                    {
                        manifest.Add(await AddStreamedEntryAsync(archive, folder + "logs.txt", (stream, ct) => WriteLogTextAsync(stream, job.Job, ct), cancellationToken));
                    }

                    if (oneJob)
                    {
                        oneJobLayout = JobCsvLayout.ForOutputs([job.Job.ResultOutput]);
                        theJob = job.Job;
                    }

                    written++;
                }

                await zipOutput.FlushAsync(cancellationToken);
                run.Progress.Report(written);
            }

            if (oneJob)
            {
                if (theJob is not null && oneJobLayout is not null)
                {
                    manifest.Add(await AddStreamedEntryAsync(archive, "job.csv", async (stream, ct) =>
                    {
                        await using var csv = JobCsvWriter.Create(stream, run.Options.Bom);
                        await csv.WriteRowAsync(oneJobLayout.Header, ct);
                        await csv.WriteRowAsync(oneJobLayout.Row(theJob), ct);
                        await csv.FlushAsync(ct);
                    }, cancellationToken));
                }
            }
            else
            {
                manifest.Add(await AddStreamedEntryAsync(archive, "jobs.csv", (stream, ct) => WriteCsvEntryAsync(stream, run, ct), cancellationToken));
            }

            manifest.Add(await AddEntryAsync(archive, "manifest.json", Json(w => WriteManifest(w, manifest, written, run)), cancellationToken));
        }

        await zipOutput.FlushAsync(cancellationToken);
        return written;
    }

    private async Task WriteCsvEntryAsync(Stream stream, Run run, CancellationToken cancellationToken)
    {
        var layout = await CsvLayoutAsync(run, cancellationToken);
        await using var csv = JobCsvWriter.Create(stream, run.Options.Bom);
        await csv.WriteRowAsync(layout.Header, cancellationToken);
        await WriteCsvRowsAsync(run.Selection, layout, csv, (_, _) => ValueTask.CompletedTask, cancellationToken);
        await csv.FlushAsync(cancellationToken);
    }

    private static void WriteMetadataEntry(Utf8JsonWriter writer, ExportedJob job, Run run)
    {
        writer.WriteStartObject();
        JobJsonWriter.WriteMetadata(writer, run.ExportedAt);
        writer.WritePropertyName("job");
        JobJsonWriter.WriteJobHead(writer, job);
        JobJsonWriter.WriteJobTail(writer, job.Job, includeResult: false);
        writer.WriteEndObject();
    }

    private static void WriteResultEntry(Utf8JsonWriter writer, ExportedJob job)
    {
        writer.WriteStartObject();
        writer.WriteString("job_id", job.Job.Id.Value);
        writer.WriteString("status", EnumNames.Of(job.Job.Status));
        writer.WritePropertyName("result");
        JobJsonWriter.WriteResult(writer, job.Job);
        writer.WriteEndObject();
    }

    private static void WriteManifest(Utf8JsonWriter writer, List<(string Name, long Size, string Sha256)> entries, int jobs, Run run)
    {
        writer.WriteStartObject();
        JobJsonWriter.WriteMetadata(writer, run.ExportedAt);
        writer.WriteNumber("job_count", jobs);
        writer.WriteStartArray("entries");
        foreach (var (name, size, sha256) in entries)
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WriteNumber("size", size);
            writer.WriteString("sha256", sha256);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// logs.txt, one line per log line: time, level, message; line breaks inside a message are written as \n and \r.
    /// The lines are written as they are read, in pieces of about <see cref="DrainThreshold"/>.
    /// </summary>
    private async Task WriteLogTextAsync(Stream stream, PipelineJob job, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        await foreach (var line in reader.LogsAsync(job.Id, cancellationToken))
        {
            text.Append(line.OccurredAt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture))
                .Append(' ')
                .Append(EnumNames.Of(line.Level ?? JobLogLevel.Info).ToUpperInvariant())
                .Append(' ')
                .Append((line.Message ?? string.Empty).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('\n');
            if (text.Length >= DrainThreshold / 2)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
                text.Clear();
            }
        }

        if (job.DroppedLogCount > 0)
        {
            text.Append("# ").Append(job.DroppedLogCount).Append(" further log lines were not kept (Jobs:MaxLogLines).\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
    }

    /// <summary>The document of one job: the metadata and the job (the json format for one job, a line of jsonl).</summary>
    private async Task WriteDocumentAsync(Utf8JsonWriter json, ArrayBufferWriter<byte> buffer, Run run, ExportedJob job, CancellationToken cancellationToken)
    {
        json.WriteStartObject();
        JobJsonWriter.WriteMetadata(json, run.ExportedAt);
        json.WritePropertyName("job");
        await WriteJobAsync(json, buffer, run, job, cancellationToken);
        json.WriteEndObject();
    }

    /// <summary>
    /// One job's object, its log lines written as they are read and sent on whenever <see cref="DrainThreshold"/>
    /// bytes are waiting, so a job with many long lines never sits in memory whole.
    /// </summary>
    private async Task WriteJobAsync(Utf8JsonWriter json, ArrayBufferWriter<byte> buffer, Run run, ExportedJob job, CancellationToken cancellationToken)
    {
        JobJsonWriter.WriteJobHead(json, job);
        if (run.Options.IncludeLogs)
        {
            json.WriteStartArray("logs");
            await foreach (var line in reader.LogsAsync(job.Job.Id, cancellationToken))
            {
                JobJsonWriter.WriteLogLine(json, line);
                if (json.BytesPending + buffer.WrittenCount >= DrainThreshold)
                {
                    await json.FlushAsync(cancellationToken);
                    await DrainAsync(buffer, run.Output, cancellationToken);
                }
            }

            json.WriteEndArray();
        }

        JobJsonWriter.WriteJobTail(json, job.Job, includeResult: true);
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions with { Indented = true }))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static async Task<(string, long, string)> AddEntryAsync(ZipArchive archive, string name, byte[] content, CancellationToken cancellationToken) =>
        await AddStreamedEntryAsync(archive, name, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken);

    private static async Task<(string, long, string)> AddStreamedEntryAsync(
        ZipArchive archive, string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var entry = archive.CreateEntry(name, CompressionLevel.Fastest);
        await using var entryStream = await entry.OpenAsync(cancellationToken);
        await using var hashing = new HashingWriteStream(entryStream);
        await write(hashing, cancellationToken);
        return (name, hashing.BytesWritten, hashing.Sha256Hex());
    }

    private static async Task DrainAsync(ArrayBufferWriter<byte> buffer, Stream output, CancellationToken cancellationToken, bool flush = false)
    {
        if (buffer.WrittenCount > 0)
        {
            await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
            buffer.ResetWrittenCount();
        }

        if (flush)
        {
            await output.FlushAsync(cancellationToken);
        }
    }

    private sealed record Run(ExportSelection Selection, ExportWriteOptions Options, ExportByteCounter Output, ProgressReport Progress, DateTimeOffset ExportedAt);

    private sealed class ProgressReport(IProgress<ExportProgress>? progress, int total, ExportByteCounter output)
    {
        public void Report(int written) => progress?.Report(new ExportProgress(written, Math.Max(total, written), output.BytesWritten));
    }
}
