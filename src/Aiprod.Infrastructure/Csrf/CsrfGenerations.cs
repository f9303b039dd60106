using System.Collections.Concurrent;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.Csrf;

/// <summary>
/// Each session's CSRF generation: tokens carry the generation they were issued under and are accepted only while it
/// is the session's current one, so <c>csrf-refresh</c> (which advances it) ends every older token at once. In Redis
/// when configured (one atomic INCR, so every instance sees the same order), else in this instance's memory.
/// A record is kept <c>keepFor</c> past its last use; its tokens are older than the maximum age by the time it is
/// gone, so a session starting again from generation 0 meets no live token of an earlier 0.
/// </summary>
public sealed class CsrfGenerations(TimeProvider clock, RedisCircuit? redis = null) : ICsrfGenerations
{
    private const string KeyPrefix = "aiprod:csrf:gen:";
    private const int SweepAbove = 50_000;

    private const string CurrentScript =
        "local g = redis.call('GET', KEYS[1]) if g then redis.call('PEXPIRE', KEYS[1], ARGV[1]) return tonumber(g) end return 0";

    private const string AdvanceScript =
        "local g = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1]) return g";

    // Without Redis, the truth; with it, the highest generation this instance has seen, for when Redis does not answer.
    private readonly ConcurrentDictionary<Guid, Entry> local = new();

    /// <summary>The generation to issue a token under now.</summary>
    public async ValueTask<long> CurrentAsync(SessionId session, TimeSpan keepFor)
    {
        if (redis is not null)
        {
            var answer = await redis.TryAsync(
                async r => (long)await r.GetDatabase().ScriptEvaluateAsync(CurrentScript, [Key(session)], [(long)keepFor.TotalMilliseconds]),
                "a CSRF generation");
            if (answer.Answered)
            {
                return Remember(session, answer.Value, keepFor);
            }
        }

        return KeepLocal(session, keepFor);
    }

    /// <summary>Starts the next generation; every token of the earlier ones stops working.</summary>
    public async ValueTask<long> AdvanceAsync(SessionId session, TimeSpan keepFor)
    {
        if (redis is not null)
        {
            var answer = await redis.TryAsync(
                async r => (long)await r.GetDatabase().ScriptEvaluateAsync(AdvanceScript, [Key(session)], [(long)keepFor.TotalMilliseconds]),
                "a CSRF generation");
            if (answer.Answered)
            {
                return Remember(session, answer.Value, keepFor);
            }
        }

        var now = clock.GetUtcNow();
        var until = now + keepFor;
        var advanced = local.AddOrUpdate(
            session.Value,
            _ => new Entry(1, until),
            (_, e) => new Entry(e.Until > now ? e.Generation + 1 : 1, until));
        Sweep(now);
        return advanced.Generation;
    }

    /// <summary>
    /// Whether a token of <paramref name="generation"/> is current. When Redis is configured but does not answer, a
    /// generation this instance knows to be superseded is refused, and a later one (advanced on another instance)
    /// is accepted: a superseded token may pass on an instance that never saw its successor, until Redis is back
    /// or the token's maximum age ends it.
    /// </summary>
    public async ValueTask<bool> IsCurrentAsync(SessionId session, long generation)
    {
        if (redis is not null)
        {
            var answer = await redis.TryAsync(
                async r =>
                {
                    var value = await r.GetDatabase().StringGetAsync(Key(session));
                    return value.IsNull ? 0L : (long)value;
                },
                "a CSRF generation");
            if (answer.Answered)
            {
                return generation == answer.Value;
            }

            return generation >= Local(session);
        }

        return generation == Local(session);
    }

    private static RedisKey Key(SessionId session) => KeyPrefix + session.Value.ToString("N");

    private long Local(SessionId session) =>
        local.TryGetValue(session.Value, out var e) && e.Until > clock.GetUtcNow() ? e.Generation : 0;

    /// <summary>Records what Redis answered, never lowering a generation this instance saw that is still kept.</summary>
    private long Remember(SessionId session, long generation, TimeSpan keepFor)
    {
        var now = clock.GetUtcNow();
        var until = now + keepFor;
        local.AddOrUpdate(
            session.Value,
            _ => new Entry(generation, until),
            (_, e) => e.Until > now && e.Generation > generation ? e with { Until = until } : new Entry(generation, until));
        Sweep(now);
        return generation;
    }

    /// <summary>The current generation from memory, kept <paramref name="keepFor"/> from now (atomically, so a concurrent advance is never undone).</summary>
    private long KeepLocal(SessionId session, TimeSpan keepFor)
    {
        var now = clock.GetUtcNow();
        var until = now + keepFor;
        var kept = local.AddOrUpdate(
            session.Value,
            _ => new Entry(0, until),
            (_, e) => e.Until > now ? e with { Until = until } : new Entry(0, until));
        Sweep(now);
        return kept.Generation;
    }

    private void Sweep(DateTimeOffset now)
    {
        if (local.Count <= SweepAbove)
        {
            return;
        }

        foreach (var (session, entry) in local)
        {
            if (entry.Until <= now)
            {
                local.TryRemove(new KeyValuePair<Guid, Entry>(session, entry));
            }
        }
    }

    private readonly record struct Entry(long Generation, DateTimeOffset Until);
}
