using System.Reflection;
using System.Text.Json;
using Aiprod.Application.Common;
using Aiprod.Domain.Jobs;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// The JSON of an exported job (schema version 1), written by hand with <see cref="Utf8JsonWriter"/> so that the
/// file's shape is stated here, in one place, and does not move with the API's DTOs. Names are snake_case and closed
/// sets are spelled as the API spells them (<see cref="EnumNames"/>); the worker's output is copied as stored.
/// </summary>
internal static class JobJsonWriter
{
    public const int SchemaVersion = 1;

    /// <summary>
    /// The job's times, named as the API's JSON names the properties (snake_case); the words are also sort orders,
    /// whose wire names are spelled only by <c>JobSortOrder</c>.
    /// </summary>
    public static readonly string CreatedAt = JsonNamingPolicy.SnakeCaseLower.ConvertName(nameof(PipelineJob.CreatedAt));

    public static readonly string UpdatedAt = JsonNamingPolicy.SnakeCaseLower.ConvertName(nameof(PipelineJob.UpdatedAt));

    public static string ApiVersion { get; } =
        typeof(JobJsonWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>exported_at, api_version and schema_version, as properties of the object being written.</summary>
    public static void WriteMetadata(Utf8JsonWriter writer, DateTimeOffset exportedAt)
    {
        writer.WriteString("exported_at", exportedAt.ToUniversalTime());
        writer.WriteString("api_version", ApiVersion);
        writer.WriteNumber("schema_version", SchemaVersion);
    }

    /// <summary>The document of one job: the metadata and the job (the json format for one job, a line of jsonl).</summary>
    public static void WriteDocument(Utf8JsonWriter writer, ExportedJob job, DateTimeOffset exportedAt, bool includeLogs)
    {
        writer.WriteStartObject();
        WriteMetadata(writer, exportedAt);
        writer.WritePropertyName("job");
        WriteJob(writer, job, includeLogs);
        writer.WriteEndObject();
    }

    public static void WriteJob(Utf8JsonWriter writer, ExportedJob exported, bool includeLogs, bool includeResult = true)
    {
        var job = exported.Job;
        writer.WriteStartObject();
        writer.WriteString("job_id", job.Id.Value);
        writer.WriteString("status", EnumNames.Of(job.Status));
        writer.WriteString("preset", EnumNames.Of(job.Preset));
        writer.WriteString("priority", EnumNames.Of(job.Priority));
        writer.WriteString("lang", job.Lang);
        writer.WriteNumber("duration_sec", job.DurationSec);
        writer.WriteString("content", job.Content);
        writer.WriteNumber("progress", job.Progress);
        writer.WriteNumber("retry_count", job.RetryCount);
        writer.WriteString(CreatedAt, job.CreatedAt.ToUniversalTime());
        writer.WriteString(UpdatedAt, job.UpdatedAt.ToUniversalTime());
        WriteTime(writer, "started_at", job.StartedAt);
        WriteTime(writer, "completed_at", job.CompletedAt);
        writer.WriteNumber("log_lines", job.LogCount);
        writer.WriteNumber("dropped_log_lines", job.DroppedLogCount);

        writer.WriteStartArray("state_history");
        foreach (var change in exported.StateChanges)
        {
            writer.WriteStartObject();
            writer.WriteNumber("event_id", change.Sequence);
            writer.WriteString("at", change.OccurredAt.ToUniversalTime());
            if (change.FromStatus is { } from)
            {
                writer.WriteString("from", EnumNames.Of(from));
            }
            else
            {
                writer.WriteNull("from");
            }

            writer.WriteString("to", change.ToStatus is { } to ? EnumNames.Of(to) : null);
            writer.WriteString("message", change.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (includeLogs)
        {
            writer.WriteStartArray("logs");
            foreach (var line in exported.Logs)
            {
                writer.WriteStartObject();
                writer.WriteNumber("event_id", line.Sequence);
                writer.WriteString("at", line.OccurredAt.ToUniversalTime());
                writer.WriteString("level", EnumNames.Of(line.Level ?? JobLogLevel.Info));
                writer.WriteString("message", line.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (includeResult)
        {
            writer.WritePropertyName("result");
            WriteResult(writer, job);
        }

        writer.WriteEndObject();
    }

    /// <summary>success, output (as stored), error_message and execution_time_ms; null until the job has ended with a result.</summary>
    public static void WriteResult(Utf8JsonWriter writer, PipelineJob job)
    {
        if (job.ResultSuccess is not { } success)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteBoolean("success", success);
        writer.WritePropertyName("output");
        if (job.ResultOutput is { } output)
        {
            writer.WriteRawValue(output);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteString("error_message", job.ErrorMessage);
        if (job.ExecutionTimeMs is { } ms)
        {
            writer.WriteNumber("execution_time_ms", ms);
        }
        else
        {
            writer.WriteNull("execution_time_ms");
        }

        writer.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            writer.WriteString(name, time.ToUniversalTime());
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
