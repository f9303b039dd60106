using System.Collections.Concurrent;
using System.Collections.Immutable;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;

namespace Aiprod.Infrastructure.Jobs;

/// <summary>The subscribers of this instance, by job. Both adapters deliver through it.</summary>
public sealed class LocalJobSubscribers
{
    private readonly ConcurrentDictionary<JobId, ImmutableArray<Action<JobEventDto>>> byJob = new();

    public int JobCount => byJob.Count;

    public IDisposable Add(JobId jobId, Action<JobEventDto> handler)
    {
        byJob.AddOrUpdate(jobId, static (_, h) => [h], static (_, list, h) => list.Add(h), handler);
        return new Subscription(this, jobId, handler);
    }

    public void Deliver(JobEventDto e)
    {
        if (byJob.TryGetValue(e.JobId, out var handlers))
        {
            foreach (var handler in handlers)
            {
                handler(e);
            }
        }
    }

    private void Remove(JobId jobId, Action<JobEventDto> handler)
    {
        while (byJob.TryGetValue(jobId, out var list))
        {
            var updated = list.Remove(handler);
            if (updated.IsEmpty ? byJob.TryRemove(new KeyValuePair<JobId, ImmutableArray<Action<JobEventDto>>>(jobId, list)) : byJob.TryUpdate(jobId, updated, list))
            {
                return;
            }
        }
    }

    private sealed class Subscription(LocalJobSubscribers owner, JobId jobId, Action<JobEventDto> handler) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                owner.Remove(jobId, handler);
            }
        }
    }
}
