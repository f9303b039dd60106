using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

/// <summary>A job appended an event; live subscribers get it after the commit.</summary>
public sealed record JobEventRecorded(JobEvent Event) : IDomainEvent;
