using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs;

/// <summary>Configuration section <c>Jobs</c>.</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    public int MaxRetries { get; set; } = 3;

    public int MaxLogLines { get; set; } = 1000;

    /// <summary>Jobs of one owner waiting in the queue; one more is refused (409 <c>too_many_queued_jobs</c>).</summary>
    public int MaxQueuedPerUser { get; set; } = 100;

    public int DefaultLeaseSeconds { get; set; } = 60;

    public int MaxLeaseSeconds { get; set; } = 600;

    /// <summary>How often lapsed leases are looked for.</summary>
    public TimeSpan LeaseCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    public JobPolicy ToPolicy() => new(MaxRetries, MaxLogLines);
}
