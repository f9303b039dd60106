using Aiprod.Api.Auditing;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;

namespace Aiprod.Api.Csrf;

/// <summary>
/// CSRF refusals (<c>csrf.refused</c>), counted per reason, client address and session by <see cref="RefusalAudit"/>:
/// the first of a minute is written, later ones are carried by the next written one as <c>suppressed</c>.
/// </summary>
public sealed class CsrfRefusalAudit(RefusalAudit audit)
{
    public void Refused(HttpContext context, string reason, SessionId? session, UserId? user) =>
        audit.Refused(context, new Refusal(AuditEventTypes.CsrfRefused, reason)
        {
            ActorKind = user is null ? ActorKind.Anonymous : ActorKind.User,
            ActorId = user?.ToString(),
            Target = session?.ToString(),
            CountedPer = session?.ToString() ?? string.Empty,
            Details =
            [
                new("sec_fetch_site", RefusalAudit.Cut(context.Request.Headers["Sec-Fetch-Site"].ToString())),
                new("origin", RefusalAudit.Cut(context.Request.Headers.Origin.ToString())),
            ],
        });
}
