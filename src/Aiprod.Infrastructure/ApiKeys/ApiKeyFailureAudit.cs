using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>
/// Failed key authentications, audited with the key's hash prefix only. Buffered and bounded: a flood of bad keys
/// costs a batched insert, never a write per request, and beyond the bound events are counted and dropped.
/// </summary>
public sealed class ApiKeyFailureAudit : IApiKeyFailureAudit
{
    public const int Capacity = 10_000;

    // Wait, not DropWrite: in the drop modes TryWrite reports success for the item it drops, so nothing was counted.
    // Nobody waits here: TryWrite answers false when the buffer is full, and the event is counted as dropped.
    private readonly Channel<AuditEvent> events = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<string, (DateTimeOffset First, long Count)> refusedByAddress = new(StringComparer.Ordinal);
    private long dropped;

    public long Dropped => Interlocked.Read(ref dropped);

    public void Record(AuditEvent auditEvent)
    {
        if (!events.Writer.TryWrite(auditEvent))
        {
            Interlocked.Increment(ref dropped);
        }
    }

    /// <summary>
    /// Puts back events whose write failed, as new entities (the failed context may have touched the old ones), within
    /// the same bound as new events; what no longer fits is counted as dropped. Returns how many were kept.
    /// </summary>
    public int Restore(IEnumerable<AuditEvent> unwritten)
    {
        var kept = 0;
        foreach (var e in unwritten)
        {
            var copy = AuditEvent.Record(e.OccurredAt, e.EventType, e.ActorKind, e.ActorId, e.Target, e.Outcome, e.ClientAddress, e.UserAgent, e.TraceId, e.Details);
            if (events.Writer.TryWrite(copy))
            {
                kept++;
            }
            else
            {
                Interlocked.Increment(ref dropped);
            }
        }

        return kept;
    }

    /// <summary>
    /// Counts a key refused without a look-up (its address is over the failure limit): one audit row per address and
    /// flush, with the count, rather than one per request.
    /// </summary>
    public void CountRefusedUnlooked(string address, DateTimeOffset now)
    {
        refusedByAddress.AddOrUpdate(address, _ => (now, 1), (_, seen) => (seen.First, seen.Count + 1));
    }

    public List<AuditEvent> Drain()
    {
        var batch = new List<AuditEvent>();
        foreach (var address in refusedByAddress.Keys)
        {
            if (refusedByAddress.TryRemove(address, out var seen))
            {
                batch.Add(AuditEvent.Record(seen.First, AuditEventTypes.ApiKeyAuthenticationFailed, ActorKind.Anonymous, null, null, AuditOutcome.Failure,
                    address, null, null, $"{{\"reason\":\"too_many_failures\",\"count\":{seen.Count.ToString(CultureInfo.InvariantCulture)}}}"));
            }
        }

        while (batch.Count < 1000 && events.Reader.TryRead(out var e))
        {
            batch.Add(e);
        }

        return batch;
    }
}
