using Aiprod.Api.Http;
using Aiprod.Application.Sessions.Queries.FindRefreshSession;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Api.Csrf;

/// <summary>The session a <c>/security/csrf-*</c> call is about, and whether the refresh cookie named it.</summary>
public sealed record CallerSession(SessionId SessionId, UserId UserId, bool ByCookie)
{
    /// <summary>
    /// The refresh cookie's session when the cookie names a live one (the tokens protect exactly those requests);
    /// else the <c>sid</c> of a valid bearer access token (the page holds one too, and revoked sessions' tokens are
    /// already refused by authentication); else none. API keys have no session.
    /// </summary>
    public static async ValueTask<CallerSession?> ResolveAsync(HttpContext context, ISender sender, CancellationToken cancellationToken)
    {
        if (BrowserCookies.RefreshFrom(context.Request) is { } cookie
            && await sender.Send(new FindRefreshSessionQuery(cookie), cancellationToken) is { } session)
        {
            return new CallerSession(session.SessionId, session.UserId, ByCookie: true);
        }

        return context.User.Identity?.IsAuthenticated == true && context.User.SessionId() is { } sid
            ? new CallerSession(sid, context.User.RequireUserId(), ByCookie: false)
            : null;
    }
}
