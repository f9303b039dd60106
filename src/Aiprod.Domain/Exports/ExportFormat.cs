using Aiprod.Domain.Common;

namespace Aiprod.Domain.Exports;

/// <summary>The file formats a job export can be written in.</summary>
public enum ExportFormat
{
    /// <summary>One JSON document: a job, or an array of jobs, with the export's metadata.</summary>
    [WireName("json")]
    Json,

    /// <summary>JSON Lines: one job per line, for sets too large to read as one document.</summary>
    [WireName("jsonl")]
    JsonLines,

    /// <summary>One row per job, nested objects flattened to dotted columns.</summary>
    [WireName("csv")]
    Csv,

    /// <summary>A ZIP archive of the job's metadata, result, logs and CSV row, with a manifest of hashes.</summary>
    [WireName("zip")]
    Zip,
}
