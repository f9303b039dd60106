namespace Aiprod.Application.Abstractions;

/// <summary>How an export is written.</summary>
/// <param name="Bom">Start a CSV with a UTF-8 byte order mark, for Excel.</param>
/// <param name="Columns">The CSV's output columns, declared by the caller instead of found by a first pass.</param>
/// <param name="MaxBytes">The most bytes the export may have; null for no limit.</param>
/// <param name="IncludeLogs">Write the jobs' log lines (JSON, JSON Lines, ZIP); false leaves them out.</param>
public sealed record ExportWriteOptions(bool Bom = false, IReadOnlyList<string>? Columns = null, long? MaxBytes = null, bool IncludeLogs = true);
