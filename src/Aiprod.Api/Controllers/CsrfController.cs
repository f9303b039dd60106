using Aiprod.Api.Contracts;
using Aiprod.Api.Csrf;
using Aiprod.Api.Filters;
using Aiprod.Api.OpenApi;
using Aiprod.Api.Setup;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>
/// CSRF tokens of browser mode: signed, bound to the session, needed by state-changing requests that the refresh
/// cookie authenticates (not by bearer or API-key callers, whose credentials a browser never attaches on its own).
/// </summary>
[Route("security")]
[NoStore]
[AllowAnonymous]
public sealed class CsrfController(CsrfGuard guard) : ApiControllerBase
{
    internal const int MaxTokenLength = 512;

    /// <summary>Issues a CSRF token for the caller's session.</summary>
    /// <remarks>
    /// **Auth:** the browser-mode refresh cookie, or a bearer access token (its session). The token is also set in the
    /// readable `__Host-aiprod-csrf` cookie. Tokens issued here share the session's current generation, so several
    /// tabs may each fetch one; `POST /security/csrf-refresh` ends them all.
    /// </remarks>
    /// <response code="200">The token, bound to the session.</response>
    /// <response code="401">No live session: neither a refresh cookie of one nor a bearer access token.</response>
    [HttpGet("csrf-token")]
    [Answers(typeof(CsrfErrors), nameof(CsrfErrors.SessionRequired))]
    [EnableRateLimiting(RateLimitPolicies.Csrf)]
    [ProducesResponseType<CsrfTokenResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    public async Task<IActionResult> Token(CancellationToken cancellationToken)
    {
        if (await CallerSession.ResolveAsync(HttpContext, Sender, cancellationToken) is not { } session)
        {
            return NoSession();
        }

        return Ok(await IssueAsync(session, advance: false));
    }

    /// <summary>Checks a CSRF token against the caller's session, and says why it would be refused.</summary>
    /// <remarks>
    /// **Auth:** the browser-mode refresh cookie, or a bearer access token. Checks nothing else and changes nothing:
    /// a bad token is a 200 with `valid: false` and the reason, the problem type a refused request would get.
    /// </remarks>
    /// <response code="200">Whether the token is good, and if not, why.</response>
    /// <response code="401">No live session to check against.</response>
    [HttpPost("csrf-verify")]
    [Answers(typeof(CsrfErrors), nameof(CsrfErrors.SessionRequired))]
    [Answers(typeof(CsrfErrors), nameof(CsrfErrors.TokenTooLong), MaxTokenLength)]
    [EnableRateLimiting(RateLimitPolicies.Csrf)]
    [Consumes("application/json")]
    [ProducesResponseType<CsrfVerifyResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    public async Task<IActionResult> Verify([FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] CsrfVerifyRequest? request, CancellationToken cancellationToken)
    {
        if (await CallerSession.ResolveAsync(HttpContext, Sender, cancellationToken) is not { } session)
        {
            return NoSession();
        }

        if (request?.CsrfToken is { Length: > MaxTokenLength })
        {
            return Problem(CsrfErrors.TokenTooLong(MaxTokenLength));
        }

        var presented = request?.CsrfToken ?? Request.Headers[BrowserCookies.CsrfHeader].ToString();
        var refusal = await guard.VerifyAsync(presented, session.SessionId);
        return Ok(new CsrfVerifyResponse(refusal is null, refusal?.Reason, refusal?.Detail, session.SessionId));
    }

    /// <summary>Issues a new CSRF token for the caller's session; every earlier token of the session stops working.</summary>
    /// <remarks>
    /// **Auth:** the browser-mode refresh cookie (then this is a cookie-authenticated change like any other: it needs the
    /// current token in `X-CSRF-Token` and passes the Fetch Metadata check), or a bearer access token.
    /// </remarks>
    /// <response code="200">The new token.</response>
    /// <response code="401">No live session.</response>
    /// <response code="403">A cookie-authenticated call failed a CSRF check; the problem type says which.</response>
    [HttpPost("csrf-refresh")]
    [CsrfGuarded(CsrfChecks.SiteAndToken)]
    [Answers(typeof(CsrfErrors), nameof(CsrfErrors.SessionRequired))]
    [EnableRateLimiting(RateLimitPolicies.CsrfRefresh)]
    [ProducesResponseType<CsrfTokenResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    public async Task<IActionResult> Refresh(CancellationToken cancellationToken)
    {
        if (await CallerSession.ResolveAsync(HttpContext, Sender, cancellationToken) is not { } session)
        {
            return NoSession();
        }

        if (session.ByCookie && await guard.GuardAsync(HttpContext, session.SessionId, session.UserId) is { } refusal)
        {
            return CsrfGuard.Problem(this, refusal);
        }

        return Ok(await IssueAsync(session, advance: true));
    }

    private async Task<CsrfTokenResponse> IssueAsync(CallerSession session, bool advance)
    {
        var issued = await guard.IssueAsync(Response, session.SessionId, advance);
        return new CsrfTokenResponse(issued.Token, BrowserCookies.CsrfHeader, issued.ExpiresAt, (int)guard.MaxAge.TotalSeconds, session.SessionId);
    }

    private IActionResult NoSession() => Problem(CsrfErrors.SessionRequired);
}
