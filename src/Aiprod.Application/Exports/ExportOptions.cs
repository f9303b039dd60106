namespace Aiprod.Application.Exports;

/// <summary>Configuration section <c>Exports</c>.</summary>
public sealed class ExportOptions
{
    public const string SectionName = "Exports";

    /// <summary>The most bytes one export may have, enforced while it is written (10 GB by default).</summary>
    public long MaxBytes { get; set; } = 10L * 1000 * 1000 * 1000;

    /// <summary>The most jobs <c>GET /jobs/export</c> answers directly; larger selections go through <c>POST /exports</c>.</summary>
    public int MaxDirectJobs { get; set; } = 10_000;

    /// <summary>
    /// The most jobs one ZIP holds, direct or not: the archive's central directory and the manifest keep a few hundred
    /// bytes per job in memory until the end, so a ZIP's memory grows with its jobs (about 4 KB each).
    /// </summary>
    public int MaxZipJobs { get; set; } = 10_000;

    /// <summary>Direct exports one user may have running at once on one instance; more are 429 with Retry-After.</summary>
    public int MaxConcurrentDirectPerUser { get; set; } = 2;
}
