using System.Collections.Concurrent;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;

namespace Aiprod.Api.Auditing;

/// <summary>
/// Audits refused requests (<c>csrf.refused</c>, <c>access_token.refused</c>, <c>access.forbidden</c>) without letting a
/// flood become a flood of writes: per event type, reason, client address and whom the refusal concerns (a session, a
/// user, a key), the first refusal of a minute is recorded and later ones only counted, their number carried by the
/// next recorded one (<c>suppressed</c>). Records go through the bounded write-behind buffer that refused API keys
/// use, written in batches off the request path.
/// </summary>
public sealed class RefusalAudit
{
    public const int DefaultMaxTracked = 10_000;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private const int MaxPathLength = 512;

    private readonly ConcurrentDictionary<string, Counter> tracked = new(StringComparer.Ordinal);
    private readonly IApiKeyFailureAudit buffer;
    private readonly TimeProvider clock;
    private readonly int maxTracked;
    private long sweptAtTicks;

    public RefusalAudit(IApiKeyFailureAudit buffer, TimeProvider clock)
        : this(buffer, clock, DefaultMaxTracked)
    {
    }

    internal RefusalAudit(IApiKeyFailureAudit buffer, TimeProvider clock, int maxTracked)
    {
        this.buffer = buffer;
        this.clock = clock;
        this.maxTracked = maxTracked;
    }

    public void Refused(HttpContext context, Refusal refusal)
    {
        var now = clock.GetUtcNow();
        var address = context.Connection.RemoteIpAddress?.ToString();
        if (!Counts(Key(refusal, address), refusal, now, out var suppressed))
        {
            return;
        }

        var details = new Dictionary<string, object?>
        {
            ["reason"] = refusal.Reason,
            ["method"] = context.Request.Method,
            // The path only, never the query: a WebSocket's token travels in the query string.
            ["path"] = Cut(context.Request.Path.Value, MaxPathLength),
        };
        foreach (var (name, value) in refusal.Details)
        {
            details[name] = value;
        }

        details["suppressed"] = suppressed;
        buffer.Record(AuditEvent.Record(
            now,
            refusal.EventType,
            refusal.ActorKind,
            refusal.ActorId,
            refusal.Target,
            AuditOutcome.Failure,
            address,
            context.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null,
            context.TraceIdentifier,
            JsonSerializer.Serialize(details)));
    }

    /// <summary>Values an attacker chose (a header, a path): kept short, so a refusal cannot be made to store kilobytes.</summary>
    public static string? Cut(string? value, int max = 200) =>
        string.IsNullOrEmpty(value) ? null : value[..Math.Min(value.Length, max)];

    private static string Key(Refusal refusal, string? address) =>
        string.Join('|', refusal.EventType, refusal.Reason, address, refusal.CountedPer ?? refusal.ActorId ?? refusal.Target);

    /// <summary>Whether this refusal is the first of its window (to be written), and how many the last window held back.</summary>
    private bool Counts(string key, Refusal refusal, DateTimeOffset now, out long suppressed)
    {
        // ContainsKey first: Count takes every lock of the dictionary, a cost a flood of one key must not pay.
        if (!tracked.ContainsKey(key) && tracked.Count >= maxTracked)
        {
            Sweep(now);
            if (tracked.Count >= maxTracked)
            {
                // Still full of live counts: refusals of one type and reason share one entry, so the dictionary
                // cannot be grown without end.
                key = string.Join('|', refusal.EventType, refusal.Reason, "*");
            }
        }

        // Each branch sets both: under contention a factory may run more than once, and only its last run counts.
        long held = 0;
        var record = false;
        tracked.AddOrUpdate(
            key,
            _ =>
            {
                record = true;
                held = 0;
                return new Counter(now, 0);
            },
            (_, counter) =>
            {
                if (now - counter.WindowStart >= Window)
                {
                    record = true;
                    held = counter.Suppressed;
                    return new Counter(now, 0);
                }

                record = false;
                held = 0;
                return new Counter(counter.WindowStart, counter.Suppressed + 1);
            });
        suppressed = held;
        return record;
    }

    /// <summary>
    /// Drops entries whose window is over and that hold nothing back (the next refusal of theirs is written either
    /// way), at most once a window. Entries still carrying a count stay, or the count would be lost.
    /// </summary>
    private void Sweep(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref sweptAtTicks);
        if (now.UtcTicks - last < Window.Ticks || Interlocked.CompareExchange(ref sweptAtTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var entry in tracked)
        {
            if (entry.Value.Suppressed == 0 && now - entry.Value.WindowStart >= Window)
            {
                // Removed only if still this very counter: one a refusal has just replaced stays.
                tracked.TryRemove(entry);
            }
        }
    }

    // A class, not a record: the dictionary's compare-and-swap then compares references, so two windows holding
    // equal numbers can never be taken for one another.
    private sealed class Counter(DateTimeOffset windowStart, long suppressed)
    {
        public DateTimeOffset WindowStart { get; } = windowStart;

        public long Suppressed { get; } = suppressed;
    }
}
