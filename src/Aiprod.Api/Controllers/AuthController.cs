using Aiprod.Api.Contracts;
using Aiprod.Api.Csrf;
using Aiprod.Api.Filters;
using Aiprod.Api.Http;
using Aiprod.Api.OpenApi;
using Aiprod.Api.Setup;
using Aiprod.Application.Accounts.Commands.ChangePassword;
using Aiprod.Application.Accounts.Commands.Login;
using Aiprod.Application.Accounts.Commands.RegisterUser;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Accounts.Queries.GetCurrentUser;
using Aiprod.Application.Sessions;
using Aiprod.Application.Sessions.Commands.EndSession;
using Aiprod.Application.Sessions.Commands.Logout;
using Aiprod.Application.Sessions.Commands.LogoutAll;
using Aiprod.Application.Sessions.Commands.RefreshTokens;
using Aiprod.Application.Sessions.Commands.RevokeRefreshToken;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Application.Sessions.Queries.FindRefreshSession;
using Aiprod.Application.Sessions.Queries.GetTokenInfo;
using Aiprod.Application.Sessions.Queries.ListSessions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Domain.Users;

namespace Aiprod.Api.Controllers;

/// <summary>Accounts and access tokens.</summary>
[Route("auth")]
[EnableRateLimiting(RateLimitPolicies.Auth)]
public sealed class AuthController : ApiControllerBase
{
    /// <summary>Registers an account.</summary>
    /// <response code="201">The account was created.</response>
    /// <response code="400">A field is missing or invalid (see `errors`).</response>
    /// <response code="409">An account with this email already exists.</response>
    [HttpPost("register")]
    [Answers(typeof(UserErrors), nameof(UserErrors.EmailTaken))]
    [AllowAnonymous]
    [Consumes("application/json")]
    [ProducesResponseType<UserDto>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Register(RegisterRequest request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new RegisterUserCommand(request.Email, request.Password, request.DisplayName), cancellationToken);
        return ToActionResult(result, user => Created("/auth/me", user));
    }

    /// <summary>Logs in with email and password and returns an access token and a refresh token.</summary>
    /// <remarks>
    /// A wrong password, an unknown email, a locked and a disabled account all get the same 401, in the same time.
    /// After repeated failures the account is locked for a while (`Auth:Lockout`).
    /// With `refresh_token_delivery: cookie` (browser mode) the refresh token is set in the `__Host-aiprod-refresh`
    /// cookie (HttpOnly, Secure, SameSite=Strict, Path=/, Max-Age its lifetime) and left out of the body; such a login
    /// is refused (403 `cross_site_request`) when the browser marks it cross-site, so no other site can log the
    /// browser into an account of its choosing.
    /// </remarks>
    /// <response code="200">The tokens.</response>
    /// <response code="401">The credentials were not accepted.</response>
    /// <response code="403">A browser-mode login from another site (`cross_site_request`).</response>
    [HttpPost("login")]
    [CsrfGuarded(CsrfChecks.Site)]
    [Answers(typeof(LoginCommandHandler), nameof(LoginCommandHandler.InvalidCredentials))]
    [NoStore]
    [AllowAnonymous]
    [Consumes("application/json")]
    [ProducesResponseType<TokenResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    public async Task<IActionResult> Login(LoginRequest request, [FromServices] CsrfGuard csrf, CancellationToken cancellationToken)
    {
        var inCookie = request.RefreshTokenDelivery == RefreshTokenDelivery.Cookie;
        if (inCookie && csrf.GuardSite(HttpContext) is { } refusal)
        {
            return CsrfGuard.Problem(this, refusal);
        }

        var result = await Sender.Send(new LoginCommand(request.Email, request.Password), cancellationToken);
        return ToActionResult(result, tokens => inCookie ? InCookie(tokens) : Ok(tokens));
    }

    /// <summary>Exchanges a refresh token for a new access token and a new refresh token (rotation).</summary>
    /// <remarks>
    /// The presented token is spent. Presenting it again within `Auth:RefreshTokens:ReuseLeeway` (30 s) gives
    /// another pair of the same session (two tabs refreshing at once); later, it is taken for a stolen token:
    /// the whole session is ended, its access tokens included, and the answer is 401 `refresh_token_reused`.
    /// Browser mode: with no `refresh_token` in the body the `__Host-aiprod-refresh` cookie is used; the request must
    /// then carry the session's CSRF token in `X-CSRF-Token` and must not be cross-site (403 with the failed check as
    /// the problem type), the new refresh token replaces the cookie, and a refused token clears it.
    /// </remarks>
    /// <response code="200">The new tokens.</response>
    /// <response code="400">No refresh token in the body and no refresh cookie, or an unknown `refresh_token_delivery`.</response>
    /// <response code="401">The refresh token is unknown, expired, revoked, or was reused.</response>
    /// <response code="403">A cookie-authenticated refresh failed a CSRF check (`csrf_missing`, `csrf_invalid`, `csrf_expired`, `csrf_session_ended`, `csrf_session_mismatch`, `csrf_superseded`, `cross_site_request`).</response>
    [HttpPost("refresh")]
    [CsrfGuarded(CsrfChecks.SiteAndToken)]
    [Answers(typeof(RefreshErrors), nameof(RefreshErrors.InvalidRefreshToken))]
    [Answers(typeof(RefreshErrors), nameof(RefreshErrors.TokenReused))]
    [NoStore]
    [AllowAnonymous]
    [Consumes("application/json")]
    [ProducesResponseType<TokenResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    public async Task<IActionResult> Refresh(
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] RefreshRequest? request,
        [FromServices] CsrfGuard csrf,
        CancellationToken cancellationToken)
    {
        if (request?.RefreshToken is { Length: > 0 } presented)
        {
            var inCookie = request.RefreshTokenDelivery == RefreshTokenDelivery.Cookie;
            if (inCookie && csrf.GuardSite(HttpContext) is { } siteRefusal)
            {
                return CsrfGuard.Problem(this, siteRefusal);
            }

            var fromBody = await Sender.Send(new RefreshTokensCommand(presented), cancellationToken);
            return inCookie ? CookieAnswer(fromBody) : ToActionResult(fromBody, Ok);
        }

        if (BrowserCookies.RefreshFrom(Request) is not { } cookie)
        {
            return NoRefreshToken();
        }

        if (await GuardCookieAsync(cookie, csrf, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        return CookieAnswer(await Sender.Send(new RefreshTokensCommand(cookie), cancellationToken));
    }

    /// <summary>Logs out: ends the session of a refresh token, its access tokens included.</summary>
    /// <remarks>
    /// With a `refresh_token` in the body, that token's session; without, the session of the `__Host-aiprod-refresh`
    /// cookie (browser mode: then `X-CSRF-Token` is required and a cross-site request is refused), and both browser-mode
    /// cookies are cleared. An unknown or already ended token is not an error.
    /// </remarks>
    /// <response code="204">The session is ended (or already was).</response>
    /// <response code="400">No refresh token in the body and no refresh cookie.</response>
    /// <response code="403">A cookie-authenticated logout failed a CSRF check; the problem type says which.</response>
    [HttpPost("logout")]
    [CsrfGuarded(CsrfChecks.SiteAndToken)]
    [NoStore]
    [AllowAnonymous]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    public async Task<IActionResult> Logout(
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] LogoutRequest? request,
        [FromServices] CsrfGuard csrf,
        CancellationToken cancellationToken)
    {
        if (request?.RefreshToken is { Length: > 0 } presented)
        {
            await Sender.Send(new LogoutCommand(presented), cancellationToken);
            return NoContent();
        }

        if (BrowserCookies.RefreshFrom(Request) is not { } cookie)
        {
            return NoRefreshToken();
        }

        if (await GuardCookieAsync(cookie, csrf, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        await Sender.Send(new LogoutCommand(cookie), cancellationToken);
        BrowserCookies.Clear(Response);
        return NoContent();
    }

    /// <summary>Revokes one of the caller's refresh tokens, which ends its whole session.</summary>
    /// <response code="204">The session is ended (or already was).</response>
    /// <response code="404">No refresh token of the caller matches.</response>
    [HttpPost("revoke")]
    [Answers(typeof(RefreshErrors), nameof(RefreshErrors.NotFound))]
    [Authorize]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> Revoke(RefreshTokenRequest request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new RevokeRefreshTokenCommand(User.RequireUserId(), request.RefreshToken), cancellationToken);
        return ToActionResult(result, _ => NoContent());
    }

    /// <summary>Describes one of the caller's refresh tokens, sent in the `X-Refresh-Token` header (never in the URL).</summary>
    /// <response code="200">What the token is and whether it still works.</response>
    /// <response code="404">No refresh token of the caller matches.</response>
    [HttpGet("token-info")]
    [Answers(typeof(RefreshErrors), nameof(RefreshErrors.NotFound))]
    [Authorize]
    [ProducesResponseType<TokenInfoDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> TokenInfo([FromHeader(Name = "X-Refresh-Token")] string? refreshToken, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new GetTokenInfoQuery(User.RequireUserId(), refreshToken ?? string.Empty), cancellationToken);
        return ToActionResult(result, Ok);
    }

    /// <summary>Lists the caller's live sessions (one per login), most recently used first.</summary>
    [HttpGet("sessions")]
    [Authorize]
    [ProducesResponseType<SessionListResponse>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Sessions(CancellationToken cancellationToken)
    {
        var sessions = await Sender.Send(new ListSessionsQuery(User.RequireUserId(), User.SessionId()), cancellationToken);
        return Ok(new SessionListResponse(sessions));
    }

    /// <summary>Ends one of the caller's sessions: its refresh tokens and its access tokens stop working.</summary>
    /// <response code="204">The session is ended (or already was).</response>
    /// <response code="404">The caller has no session with this id.</response>
    [HttpDelete("sessions/{session_id:guid}")]
    [Answers(typeof(RefreshErrors), nameof(RefreshErrors.SessionNotFound))]
    [Authorize]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> EndSession([FromRoute(Name = "session_id")] SessionId sessionId, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new EndSessionCommand(User.RequireUserId(), sessionId), cancellationToken);
        return ToActionResult(result, _ => NoContent());
    }

    /// <summary>Ends every session of the caller, this one included.</summary>
    [HttpPost("logout-all")]
    [Authorize]
    [ProducesResponseType<LogoutAllResponse>(StatusCodes.Status200OK)]
    public async Task<IActionResult> LogoutAll(CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new LogoutAllCommand(User.RequireUserId()), cancellationToken));

    /// <summary>Changes the caller's password and ends every session, this one included.</summary>
    /// <response code="204">Changed; log in again with the new password.</response>
    /// <remarks>A wrong current password counts toward the account's lockout, like a failed login, and is audited.</remarks>
    /// <response code="400">The current password is wrong, or the new one breaks the policy.</response>
    /// <response code="423">The account is locked after repeated wrong passwords; try again later.</response>
    [HttpPost("change-password")]
    [Answers(typeof(UserErrors), nameof(UserErrors.UnknownSubject))]
    [Answers(typeof(UserErrors), nameof(UserErrors.WrongCurrentPassword))]
    [Answers(typeof(UserErrors), nameof(UserErrors.PasswordContainsEmail))]
    [Answers(typeof(UserErrors), nameof(UserErrors.Locked))]
    [Authorize]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status423Locked, "application/problem+json")]
    public async Task<IActionResult> ChangePassword(ChangePasswordRequest request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new ChangePasswordCommand(User.RequireUserId(), request.CurrentPassword, request.NewPassword), cancellationToken);
        return ToActionResult(result, _ => NoContent());
    }

    /// <summary>Returns the caller's account.</summary>
    /// <response code="200">The account the access token was issued to.</response>
    /// <response code="401">No valid access token.</response>
    [HttpGet("me")]
    [Answers(typeof(UserErrors), nameof(UserErrors.UnknownSubject))]
    [Authorize]
    [ProducesResponseType<UserDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    public async Task<IActionResult> Me(CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new GetCurrentUserQuery(User.RequireUserId()), cancellationToken);
        return ToActionResult(result, Ok);
    }

    /// <summary>
    /// The CSRF checks of a request the refresh cookie authenticates. A cookie that names no live session protects
    /// nothing (the command refuses it), but a cross-site request is refused all the same.
    /// </summary>
    private async Task<IActionResult?> GuardCookieAsync(string cookie, CsrfGuard csrf, CancellationToken cancellationToken)
    {
        var refusal = await Sender.Send(new FindRefreshSessionQuery(cookie), cancellationToken) is { } session
            ? await csrf.GuardAsync(HttpContext, session.SessionId, session.UserId)
            : csrf.GuardSite(HttpContext);
        return refusal is null ? null : CsrfGuard.Problem(this, refusal);
    }

    private ActionResult NoRefreshToken()
    {
        ModelState.AddModelError("refresh_token", "A refresh token is required: in the body, or in the browser-mode refresh cookie.");
        return ValidationProblem(ModelState);
    }

    /// <summary>Browser mode's answer: the refresh token in its cookie, not the body; a refused token clears the cookies.</summary>
    private IActionResult CookieAnswer(Result<TokenResponse> result)
    {
        if (!result.IsSuccess)
        {
            if (result.Error.Kind == ErrorKind.Unauthorized)
            {
                BrowserCookies.Clear(Response);
            }

            return Problem(result.Error);
        }

        return InCookie(result.Value);
    }

    private OkObjectResult InCookie(TokenResponse tokens)
    {
        BrowserCookies.SetRefresh(Response, tokens.RefreshToken!, TimeSpan.FromSeconds(tokens.RefreshExpiresIn ?? 0));
        return Ok(tokens with { RefreshToken = null });
    }
}
