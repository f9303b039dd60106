using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

/// <summary>Identifies a <see cref="PipelineJob"/>.</summary>
public readonly record struct JobId(Guid Value) : IEntityId<JobId>, IComparable<JobId>
{
    public static JobId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    /// <summary>
    /// Ordered as the GUIDs they wrap. In a query the database compares the stored column in its own order, which is
    /// all a keyset page needs: the same order for <c>ORDER BY</c> and for <c>&gt;</c>.
    /// </summary>
    public static bool operator >(JobId left, JobId right) => left.CompareTo(right) > 0;

    public static bool operator <(JobId left, JobId right) => left.CompareTo(right) < 0;

    public static bool operator >=(JobId left, JobId right) => left.CompareTo(right) >= 0;

    public static bool operator <=(JobId left, JobId right) => left.CompareTo(right) <= 0;

    public int CompareTo(JobId other) => Value.CompareTo(other.Value);

    public override string ToString() => Value.ToString();
}
