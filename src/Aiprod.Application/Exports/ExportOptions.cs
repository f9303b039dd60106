namespace Aiprod.Application.Exports;

/// <summary>Configuration section <c>Exports</c>.</summary>
public sealed class ExportOptions
{
    public const string SectionName = "Exports";

    /// <summary>How long a succeeded export's file is kept before it is deleted and the export expires.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Exports of one owner running at once, across instances; more wait in the queue.</summary>
    public int MaxRunningPerUser { get; set; } = 2;

    /// <summary>
    /// Exports of one owner waiting in the queue; one more is refused (409 <c>too_many_queued_exports</c>) until some
    /// start, so that one owner cannot pile up work the runners must read past.
    /// </summary>
    public int MaxQueuedPerUser { get; set; } = 20;

    /// <summary>Exports one instance writes at once.</summary>
    public int MaxRunningPerInstance { get; set; } = 2;

    /// <summary>How long a runner holds an export without renewing; an instance that dies frees it after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a runner saves its progress, renews its lease and looks for a cancel (also one made on another instance).</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often an instance looks for queued exports and for files past their retention.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times an export is started before it fails as interrupted too often.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The free space below which no export starts, and a running one fails with <c>insufficient_storage</c>.</summary>
    public long MinFreeBytes { get; set; } = 1L * 1024 * 1024 * 1024;

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
