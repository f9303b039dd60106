using System.Collections.Concurrent;
using Aiprod.Domain.ApiKeys;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>
/// Counts key use in memory; <see cref="ApiKeyUsageFlusher"/> adds the counts to the database in batches. One
/// counter per key, updated with interlocked operations: many requests with one key never wait on a lock, and a
/// drain takes what was counted without losing an increment that races with it (it stays for the next flush).
/// </summary>
public sealed class ApiKeyUsageRecorder
{
    private readonly ConcurrentDictionary<ApiKeyId, Counter> counters = new();

    public void Record(ApiKeyId keyId, DateTimeOffset at)
    {
        var counter = counters.GetOrAdd(keyId, static _ => new Counter());
        Interlocked.Increment(ref counter.Count);
        var ticks = at.UtcTicks;
        var seen = Volatile.Read(ref counter.LastUsedTicks);
        while (ticks > seen)
        {
            var previous = Interlocked.CompareExchange(ref counter.LastUsedTicks, ticks, seen);
            if (previous == seen)
            {
                break;
            }

            seen = previous;
        }
    }

    /// <summary>Takes what was counted so far.</summary>
    public IReadOnlyDictionary<ApiKeyId, Usage> Drain()
    {
        var batch = new Dictionary<ApiKeyId, Usage>();
        foreach (var (id, counter) in counters)
        {
            var count = Interlocked.Exchange(ref counter.Count, 0);
            if (count > 0)
            {
                batch[id] = new Usage(count, new DateTimeOffset(Volatile.Read(ref counter.LastUsedTicks), TimeSpan.Zero));
            }
        }

        return batch;
    }

    /// <summary>Puts back a batch that could not be written, so no use is lost.</summary>
    public void Restore(IReadOnlyDictionary<ApiKeyId, Usage> batch)
    {
        foreach (var (id, usage) in batch)
        {
            var counter = counters.GetOrAdd(id, static _ => new Counter());
            Interlocked.Add(ref counter.Count, usage.Count);
            Record(id, usage.LastUsedAt);
            Interlocked.Decrement(ref counter.Count);
        }
    }

    public readonly record struct Usage(long Count, DateTimeOffset LastUsedAt);

    private sealed class Counter
    {
        public long Count;
        public long LastUsedTicks;
    }
}
