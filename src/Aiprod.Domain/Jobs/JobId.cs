using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

/// <summary>Identifies a <see cref="PipelineJob"/>.</summary>
public readonly record struct JobId(Guid Value) : IEntityId<JobId>
{
    public static JobId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}
