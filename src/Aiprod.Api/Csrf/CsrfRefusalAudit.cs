using System.Collections.Concurrent;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;

namespace Aiprod.Api.Csrf;

/// <summary>
/// Audits CSRF refusals (<c>csrf.refused</c>) without letting a flood become a flood of writes: per reason, client
/// address and session, the first refusal of a minute is recorded and later ones only counted, their number carried
/// by the next recorded one (<c>suppressed</c>). Records go through the bounded write-behind buffer that refused API
/// keys use, written in batches off the request path.
/// </summary>
public sealed class CsrfRefusalAudit(IApiKeyFailureAudit buffer, TimeProvider clock)
{
    private const int MaxTracked = 10_000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Tracked> tracked = new(StringComparer.Ordinal);

    public void Refused(HttpContext context, string reason, SessionId? session, UserId? user)
    {
        var now = clock.GetUtcNow();
        var address = context.Connection.RemoteIpAddress?.ToString();
        var key = $"{reason}|{address}|{session}";
        if (tracked.Count >= MaxTracked && !tracked.ContainsKey(key))
        {
            // Beyond the bound, refusals of one reason share one entry, so the dictionary cannot be grown without end.
            key = reason + "|*";
        }

        long suppressed = 0;
        var record = false;
        tracked.AddOrUpdate(
            key,
            _ =>
            {
                record = true;
                return new Tracked(now, 0);
            },
            (_, t) =>
            {
                if (now - t.WindowStart >= Window)
                {
                    record = true;
                    suppressed = t.Suppressed;
                    return new Tracked(now, 0);
                }

                record = false;
                return t with { Suppressed = t.Suppressed + 1 };
            });
        if (!record)
        {
            return;
        }

        var details = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["reason"] = reason,
            ["method"] = context.Request.Method,
            ["path"] = context.Request.Path.Value,
            ["sec_fetch_site"] = Header(context, "Sec-Fetch-Site"),
            ["origin"] = Header(context, "Origin"),
            ["suppressed"] = suppressed,
        });
        buffer.Record(AuditEvent.Record(
            now,
            AuditEventTypes.CsrfRefused,
            user is null ? ActorKind.Anonymous : ActorKind.User,
            user?.ToString(),
            session?.ToString(),
            AuditOutcome.Failure,
            address,
            context.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null,
            context.TraceIdentifier,
            details));
    }

    // Header values an attacker chose: kept short, so a refusal cannot be made to store kilobytes.
    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers[name].ToString() is { Length: > 0 } value ? value[..Math.Min(value.Length, 200)] : null;

    private readonly record struct Tracked(DateTimeOffset WindowStart, long Suppressed);
}
