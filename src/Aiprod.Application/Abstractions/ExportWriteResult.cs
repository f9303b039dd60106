namespace Aiprod.Application.Abstractions;

/// <summary>What a finished export wrote.</summary>
public sealed record ExportWriteResult(int JobsWritten, long BytesWritten);
