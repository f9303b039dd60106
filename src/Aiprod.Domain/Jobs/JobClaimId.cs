using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

/// <summary>Identifies one claim of a <see cref="PipelineJob"/>: a job claimed again gets a new one.</summary>
public readonly record struct JobClaimId(Guid Value) : IEntityId<JobClaimId>
{
    public static JobClaimId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}
