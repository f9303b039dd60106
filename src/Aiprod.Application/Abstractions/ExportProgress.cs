namespace Aiprod.Application.Abstractions;

/// <summary>How far an export has come.</summary>
public sealed record ExportProgress(int JobsWritten, int JobsTotal, long BytesWritten);
