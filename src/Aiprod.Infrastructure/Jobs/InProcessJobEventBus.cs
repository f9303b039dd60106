using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;

namespace Aiprod.Infrastructure.Jobs;

/// <summary>One instance: events go straight to this instance's subscribers.</summary>
public sealed class InProcessJobEventBus(LocalJobSubscribers subscribers) : IJobEventBus
{
    public int JobsWithSubscribers => subscribers.JobCount;

    public Task PublishAsync(IReadOnlyList<JobEventDto> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            subscribers.Deliver(e);
        }

        return Task.CompletedTask;
    }

    public IDisposable Subscribe(JobId jobId, Action<JobEventDto> handler) => subscribers.Add(jobId, handler);
}
