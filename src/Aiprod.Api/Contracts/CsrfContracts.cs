using Aiprod.Api.OpenApi;
using Aiprod.Domain.Sessions;

namespace Aiprod.Api.Contracts;

/// <summary>A CSRF token for the caller's session.</summary>
/// <param name="CsrfToken">Send it in the `X-CSRF-Token` header of every state-changing request the refresh cookie authenticates. Also set in the readable `__Host-aiprod-csrf` cookie.</param>
/// <param name="HeaderName">Always `X-CSRF-Token`.</param>
/// <param name="ExpiresAt">When it stops being accepted (`Csrf:MaxAge` after issue).</param>
/// <param name="ExpiresIn">Seconds until then.</param>
/// <param name="SessionId">The session it is bound to.</param>
public sealed record CsrfTokenResponse(string CsrfToken, string HeaderName, DateTimeOffset ExpiresAt, int ExpiresIn, SessionId SessionId);

/// <summary>A CSRF token to check.</summary>
/// <param name="CsrfToken">The token; when left out, the `X-CSRF-Token` header is checked.</param>
public sealed record CsrfVerifyRequest(string? CsrfToken = null) : IRequestExample<CsrfVerifyRequest>
{
    public static CsrfVerifyRequest Example => new("ZXhhbXBsZQ.c2Vzc2lvbg.c2lnbmF0dXJl");
}

/// <summary>Whether a CSRF token would be accepted now for the caller's session.</summary>
/// <param name="Valid">True when a request carrying it would pass the token check.</param>
/// <param name="Reason">When not valid, why: `csrf_missing`, `csrf_invalid`, `csrf_expired`, `csrf_session_ended`, `csrf_session_mismatch` or `csrf_superseded` (the problem type a refused request gets).</param>
/// <param name="Detail">When not valid, what to do about it.</param>
/// <param name="SessionId">The caller's session the token was checked against.</param>
public sealed record CsrfVerifyResponse(bool Valid, string? Reason, string? Detail, SessionId SessionId);
