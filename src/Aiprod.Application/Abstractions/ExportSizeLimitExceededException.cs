namespace Aiprod.Application.Abstractions;

/// <summary>An export grew past its size limit while it was written.</summary>
public sealed class ExportSizeLimitExceededException(long maxBytes)
    : Exception($"The export passed its size limit of {maxBytes} bytes.")
{
    /// <summary>The limit that was passed.</summary>
    public long MaxBytes { get; } = maxBytes;
}
