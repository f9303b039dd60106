using Aiprod.Application.Common;
using Aiprod.Domain.Exports;

namespace Aiprod.Application.Exports;

/// <summary>What a client needs to know of a format before it asks for one.</summary>
/// <param name="Format">The format.</param>
/// <param name="MediaType">The <c>Content-Type</c> of the file.</param>
/// <param name="Extension">The file name's extension, with its dot.</param>
/// <param name="Description">What the file holds.</param>
/// <param name="Streamable">Whether the direct routes send the first bytes before the whole file exists.</param>
public sealed record ExportFormatInfo(ExportFormat Format, string MediaType, string Extension, string Description, bool Streamable);

/// <summary>The one description of each <see cref="ExportFormat"/>: the formats route, file names and media types read it.</summary>
public static class ExportFormats
{
    public static IReadOnlyList<ExportFormatInfo> All { get; } =
    [
        new(ExportFormat.Json, "application/json", ".json",
            "One JSON document with the export's metadata (exported_at, api_version, schema_version): one job, or many in a \"jobs\" array, "
            + "each with its state history, logs and result, the worker's output kept as it was.", Streamable: true),
        new(ExportFormat.JsonLines, "application/jsonl", ".jsonl",
            "JSON Lines: one job per line, each line the document the json format writes for that one job. For large sets.", Streamable: true),
        new(ExportFormat.Csv, "text/csv", ".csv",
            "RFC 4180 (UTF-8, CRLF), one row per job: the job's columns, then the output's nested objects flattened to dotted columns "
            + "(result.output.video.url); arrays are kept as a JSON cell. A cell that starts with = + - @, a tab, CR or LF gets a leading ' "
            + "(OWASP CSV injection). bom=true starts the file with a UTF-8 byte order mark for Excel.", Streamable: true),
        new(ExportFormat.Zip, "application/zip", ".zip",
            "A ZIP archive: metadata.json, result.json, logs.txt and job.csv for one job (for many, the same under jobs/{job_id}/ and one "
            + "jobs.csv), and manifest.json with every entry's size and SHA-256.", Streamable: true),
    ];

    public static ExportFormatInfo Of(ExportFormat format) =>
        All.FirstOrDefault(f => f.Format == format) ?? throw new ArgumentOutOfRangeException(nameof(format), format, "Not a member of ExportFormat.");

    /// <summary>
    /// A file name no client can misread: letters, digits and dashes of our own making (an id, a date), never text a
    /// user chose, so there is nothing to escape in <c>Content-Disposition</c>.
    /// </summary>
    public static string FileName(string stem, ExportFormat format) =>
        new string(stem.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').ToArray()) is { Length: > 0 } safe
            ? safe + Of(format).Extension
            : "export" + Of(format).Extension;

    public static string WireName(ExportFormat format) => EnumNames.Of(format);
}
