using Aiprod.Api.Http;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Aiprod.Application.Sessions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.Csrf;

/// <summary>Why a CSRF check failed; each is the problem type (and the <c>reason</c> of csrf-verify).</summary>
public static class CsrfReasons
{
    public const string Missing = "csrf_missing";
    public const string Invalid = "csrf_invalid";
    public const string Expired = "csrf_expired";
    public const string SessionEnded = "csrf_session_ended";
    public const string SessionMismatch = "csrf_session_mismatch";
    public const string Superseded = "csrf_superseded";
    public const string CrossSite = "cross_site_request";
}

/// <summary>A refused check: its problem (one of <see cref="PipelineProblems"/>' CSRF refusals), whose code is the reason.</summary>
public sealed record CsrfRefusal(PipelineProblem Problem)
{
    public string Reason => Problem.Code;

    public string Detail => Problem.Detail;
}

/// <summary>A token issued for a session.</summary>
public sealed record CsrfIssued(string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// The CSRF defences of requests authenticated by the refresh cookie: Fetch Metadata (or <c>Origin</c>) first, then
/// the session-bound token in <c>X-CSRF-Token</c>. Bearer- and key-authenticated requests never come here.
/// </summary>
public sealed class CsrfGuard(
    ICsrfTokenCodec codec,
    ICsrfGenerations generations,
    ISessionRevocations revocations,
    IOptions<CsrfOptions> options,
    CsrfRefusalAudit audit,
    TimeProvider clock)
{
    private static readonly string[] VaryOn = ["Sec-Fetch-Site", "Origin"];

    /// <summary>A generation record outlives its newest token by this much, so a token never outlives its record.</summary>
    private static readonly TimeSpan KeepMargin = TimeSpan.FromMinutes(1);

    public TimeSpan MaxAge => options.Value.MaxAge;

    private TimeSpan KeepFor => options.Value.MaxAge + KeepMargin;

    /// <summary>
    /// Fetch Metadata as defence in depth (refused: an unsafe request a browser marks <c>cross-site</c>); where a
    /// browser sends no <c>Sec-Fetch-Site</c>, its <c>Origin</c> must be the API's own or a configured one. A request
    /// with neither is not from a browser that would attach the cookie on its own, and goes on to the token check.
    /// </summary>
    private CsrfRefusal? CheckSite(HttpContext context)
    {
        AddVary(context.Response);
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method))
        {
            return null;
        }

        var site = context.Request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return string.Equals(site, "cross-site", StringComparison.OrdinalIgnoreCase)
                ? new CsrfRefusal(PipelineProblems.CrossSiteFetch)
                : null;
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return null;
        }

        var own = $"{context.Request.Scheme}://{context.Request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || options.Value.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase)
            ? null
            : new CsrfRefusal(PipelineProblems.CrossSiteOrigin);
    }

    /// <summary>Checks a presented token against the caller's session; null when it is good.</summary>
    public async ValueTask<CsrfRefusal?> VerifyAsync(string? presented, SessionId session)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return new CsrfRefusal(PipelineProblems.CsrfMissing);
        }

        switch (codec.Read(presented, out var content))
        {
            case CsrfTokenReadStatus.Malformed:
                return new CsrfRefusal(PipelineProblems.CsrfMalformed);
            case CsrfTokenReadStatus.BadSignature:
                return new CsrfRefusal(PipelineProblems.CsrfBadSignature);
        }

        var now = clock.GetUtcNow();
        if (now >= content.IssuedAt + options.Value.MaxAge)
        {
            return new CsrfRefusal(PipelineProblems.CsrfExpired);
        }

        var tokenSession = content.SessionId;
        if (tokenSession != session)
        {
            return revocations.IsRevoked(tokenSession)
                ? new CsrfRefusal(PipelineProblems.CsrfSessionEnded)
                : new CsrfRefusal(PipelineProblems.CsrfSessionMismatch);
        }

        if (revocations.IsRevoked(session))
        {
            return new CsrfRefusal(PipelineProblems.CsrfSessionEnded);
        }

        return await generations.IsCurrentAsync(session, content.Generation)
            ? null
            : new CsrfRefusal(PipelineProblems.CsrfSuperseded);
    }

    /// <summary>
    /// Both checks for a state-changing request the refresh cookie authenticates; refusals are audited. Only on a route
    /// marked <c>[CsrfGuarded(CsrfChecks.SiteAndToken)]</c>, whose document names the refusals.
    /// </summary>
    public async ValueTask<CsrfRefusal?> GuardAsync(HttpContext context, SessionId session, UserId user)
    {
        RequireMarked(context, CsrfChecks.SiteAndToken);
        var refusal = CheckSite(context)
            ?? await VerifyAsync(context.Request.Headers[BrowserCookies.CsrfHeader].ToString(), session);
        if (refusal is not null)
        {
            audit.Refused(context, refusal.Reason, session, user);
        }

        return refusal;
    }

    /// <summary>
    /// The site check alone, audited, for a cookie request whose session is not known (a login, a dead cookie). Only on
    /// a route marked <see cref="CsrfGuardedAttribute"/>.
    /// </summary>
    public CsrfRefusal? GuardSite(HttpContext context)
    {
        RequireMarked(context, CsrfChecks.Site);
        var refusal = CheckSite(context);
        if (refusal is not null)
        {
            audit.Refused(context, refusal.Reason, null, null);
        }

        return refusal;
    }

    /// <summary>Issues a token for the session, under its current generation or (<paramref name="advance"/>) the next one, and sets the readable cookie.</summary>
    public async ValueTask<CsrfIssued> IssueAsync(HttpResponse response, SessionId session, bool advance)
    {
        var generation = advance
            ? await generations.AdvanceAsync(session, KeepFor)
            : await generations.CurrentAsync(session, KeepFor);
        var now = clock.GetUtcNow();
        var token = codec.Issue(session, generation, now);
        BrowserCookies.SetCsrf(response, token, options.Value.MaxAge);
        return new CsrfIssued(token, now + options.Value.MaxAge);
    }

    /// <summary>The 403 of a refusal, its problem as defined, whose type names the check that failed.</summary>
    public static IActionResult Problem(ControllerBase controller, CsrfRefusal refusal) =>
        controller.Problem(detail: refusal.Problem.Detail, statusCode: refusal.Problem.Status, title: refusal.Problem.Title, type: ProblemTypes.For(refusal.Problem.Code));

    /// <summary>
    /// The guard runs only where the route says it does (at least <paramref name="checks"/>), so that the OpenAPI
    /// document, which names the refusals on the marked routes, and the routes that answer them cannot part.
    /// </summary>
    private static void RequireMarked(HttpContext context, CsrfChecks checks)
    {
        var marked = context.GetEndpoint()?.Metadata.GetMetadata<CsrfGuardedAttribute>();
        if (marked is null || marked.Checks < checks)
        {
            throw new InvalidOperationException(
                $"{context.GetEndpoint()?.DisplayName ?? context.Request.Path.Value} runs the CSRF checks ({checks}) without [CsrfGuarded(CsrfChecks.{checks})].");
        }
    }

    public static void AddVary(HttpResponse response)
    {
        foreach (var header in VaryOn)
        {
            if (!response.Headers.Vary.Any(v => v is not null && v.Contains(header, StringComparison.OrdinalIgnoreCase)))
            {
                response.Headers.Append("Vary", header);
            }
        }
    }
}
