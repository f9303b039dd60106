using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

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

    public IDisposable Subscribe(Guid jobId, Action<JobEventDto> handler) => subscribers.Add(jobId, handler);
}
