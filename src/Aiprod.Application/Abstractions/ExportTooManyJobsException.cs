namespace Aiprod.Application.Abstractions;

/// <summary>
/// A ZIP export's selection holds more jobs than <c>Exports:MaxZipJobs</c> (checked before the first byte, and again
/// while writing, for jobs added meanwhile). An export job that meets it fails with <see cref="ErrorCode"/>.
/// </summary>
public sealed class ExportTooManyJobsException(int maxJobs)
    : Exception($"A ZIP export holds at most {maxJobs} jobs.")
{
    /// <summary>The error code of an export that failed this way.</summary>
    public const string ErrorCode = "too_many_jobs_for_zip";

    /// <summary>The limit that was passed.</summary>
    public int MaxJobs { get; } = maxJobs;
}
