using System.Collections.Concurrent;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;

namespace Aiprod.Api.Auditing;

/// <summary>
/// Audits refused requests (<c>csrf.refused</c>, <c>access_token.refused</c>, <c>access.forbidden</c>) without letting a
/// flood become a flood of writes: per event type, reason, client address and whom the refusal concerns (a session, a
/// user, a key), the first refusal of a minute is recorded and later ones only counted, their number carried by the
/// next recorded one (<c>suppressed</c>). A count no later refusal carried within the window after its own is
/// written by <see cref="FlushHeldCounts"/> (every window by <see cref="RefusalAuditFlusher"/>, and when stopping) as
/// a row of its own marked <c>summary</c>, so a flood that stops is still counted whole. Records go through the
/// bounded write-behind buffer that refused API keys use, written in batches off the request path.
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
        var seen = new Seen(
            refusal,
            context.Connection.RemoteIpAddress?.ToString(),
            context.Request.Method,
            // The path only, never the query: a WebSocket's token travels in the query string.
            Cut(context.Request.Path.Value, MaxPathLength),
            context.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null);
        if (!Counts(Key(refusal, seen.Address), seen, now, out var suppressed))
        {
            return;
        }

        Write(seen, now, context.TraceIdentifier, suppressed, summary: false);
    }

    /// <summary>
    /// Writes the counts no refusal carried: those of windows that ended a whole window ago (a refusal in the window
    /// after would have carried it), or every count held back when <paramref name="all"/> (at shutdown).
    /// </summary>
    /// <returns>How many rows were written.</returns>
    public int FlushHeldCounts(bool all = false)
    {
        var now = clock.GetUtcNow();
        var written = 0;
        foreach (var (key, counter) in tracked)
        {
            if (counter.Suppressed == 0 || (!all && now - counter.WindowStart < Window + Window))
            {
                continue;
            }

            // Swapped only if still this very counter: a refusal that replaced it meanwhile carries the count itself.
            if (tracked.TryUpdate(key, new Counter(counter.WindowStart, 0, counter.First), counter))
            {
                Write(counter.First, now, traceId: null, counter.Suppressed, summary: true);
                written++;
            }
        }

        return written;
    }

    private void Write(Seen seen, DateTimeOffset now, string? traceId, long suppressed, bool summary)
    {
        var refusal = seen.Refusal;
        var details = new Dictionary<string, object?>
        {
            ["reason"] = refusal.Reason,
            ["method"] = seen.Method,
            ["path"] = seen.Path,
        };
        foreach (var (name, value) in refusal.Details)
        {
            details[name] = value;
        }

        details["suppressed"] = suppressed;
        if (summary)
        {
            // Not a refusal of this moment: the count of a window no later refusal carried (method and path are
            // those of the window's first).
            details["summary"] = true;
        }

        buffer.Record(AuditEvent.Record(
            now,
            refusal.EventType,
            refusal.ActorKind,
            refusal.ActorId,
            refusal.Target,
            AuditOutcome.Failure,
            seen.Address,
            seen.UserAgent,
            traceId,
            JsonSerializer.Serialize(details)));
    }

    /// <summary>Values an attacker chose (a header, a path): kept short, so a refusal cannot be made to store kilobytes.</summary>
    public static string? Cut(string? value, int max = 200) =>
        string.IsNullOrEmpty(value) ? null : value[..Math.Min(value.Length, max)];

    private static string Key(Refusal refusal, string? address) =>
        string.Join('|', refusal.EventType, refusal.Reason, address, refusal.CountedPer ?? refusal.ActorId ?? refusal.Target);

    /// <summary>Whether this refusal is the first of its window (to be written), and how many the last window held back.</summary>
    private bool Counts(string key, Seen seen, DateTimeOffset now, out long suppressed)
    {
        var refusal = seen.Refusal;
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
                return new Counter(now, 0, seen);
            },
            (_, counter) =>
            {
                if (now - counter.WindowStart >= Window)
                {
                    record = true;
                    held = counter.Suppressed;
                    return new Counter(now, 0, seen);
                }

                record = false;
                held = 0;
                return new Counter(counter.WindowStart, counter.Suppressed + 1, counter.First);
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
    private sealed class Counter(DateTimeOffset windowStart, long suppressed, Seen first)
    {
        public DateTimeOffset WindowStart { get; } = windowStart;

        public long Suppressed { get; } = suppressed;

        /// <summary>The window's first refusal: what a summary row of its count says.</summary>
        public Seen First { get; } = first;
    }

    /// <summary>A refusal with what the row takes from its request (already cut to size).</summary>
    private sealed record Seen(Refusal Refusal, string? Address, string Method, string? Path, string? UserAgent);
}
