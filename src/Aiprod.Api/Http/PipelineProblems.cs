using Aiprod.Api.Csrf;

namespace Aiprod.Api.Http;

/// <summary>
/// A problem the HTTP pipeline answers itself, outside any handler's <c>Error</c>: one definition, used by the code
/// that writes it and by the OpenAPI document's examples.
/// </summary>
public sealed record PipelineProblem(int Status, string Code, string Title, string Detail);

/// <summary>
/// The problems every route may answer (or every route with a body, or behind authentication), and those of the
/// routes that retry a write (<see cref="ConcurrentUpdate"/>) or run the CSRF checks (<see cref="CsrfRefusals"/>).
/// </summary>
internal static class PipelineProblems
{
    public static readonly PipelineProblem Unauthenticated = new(
        StatusCodes.Status401Unauthorized, "unauthenticated", "Unauthorized", "This endpoint needs an access token: send 'Authorization: Bearer <token>'.");

    public static readonly PipelineProblem InternalError = new(
        StatusCodes.Status500InternalServerError, "internal_error", "An unexpected error occurred.", "The error was logged. Quote the trace_id when you report it.");

    public static readonly PipelineProblem ValidationFailed = new(
        StatusCodes.Status400BadRequest, "validation_failed", "The request is invalid.", "See errors for the fields that are invalid.");

    /// <summary>
    /// A write lost its optimistic-concurrency race more often than its handler retries (<c>IRetryOnConflict</c>): the
    /// state is consistent and nothing of this request was written; the caller retries.
    /// </summary>
    public static readonly PipelineProblem ConcurrentUpdate = new(
        StatusCodes.Status409Conflict, "concurrent_update", "The resource changed while this request was updating it.", "Retry the request.");

    /// <summary>The title of every CSRF refusal; its <c>type</c> names the check that failed.</summary>
    public const string CsrfTitle = "The request failed a CSRF check.";

    public static readonly PipelineProblem CsrfMissing = Csrf(
        CsrfReasons.Missing, $"Send the token from GET /security/csrf-token in the {BrowserCookies.CsrfHeader} header.");

    public static readonly PipelineProblem CsrfMalformed = Csrf(CsrfReasons.Invalid, "The CSRF token is not one this API issues.");

    public static readonly PipelineProblem CsrfBadSignature = Csrf(CsrfReasons.Invalid, "The CSRF token's signature does not hold.");

    public static readonly PipelineProblem CsrfExpired = Csrf(
        CsrfReasons.Expired, "The CSRF token is older than its maximum age; get a new one from GET /security/csrf-token.");

    public static readonly PipelineProblem CsrfSessionEnded = Csrf(CsrfReasons.SessionEnded, "The CSRF token belongs to a session that has ended.");

    public static readonly PipelineProblem CsrfSessionMismatch = Csrf(CsrfReasons.SessionMismatch, "The CSRF token belongs to another session.");

    public static readonly PipelineProblem CsrfSuperseded = Csrf(
        CsrfReasons.Superseded, "A newer CSRF token was issued for this session (POST /security/csrf-refresh); use that one.");

    public static readonly PipelineProblem CrossSiteFetch = Csrf(
        CsrfReasons.CrossSite, "A cross-site request (Sec-Fetch-Site: cross-site) may not use the session cookie.");

    public static readonly PipelineProblem CrossSiteOrigin = Csrf(
        CsrfReasons.CrossSite, "The request's Origin is neither this API's nor an allowed one; it may not use the session cookie.");

    /// <summary>
    /// What a route the <see cref="CsrfGuard"/> covers may be refused with, one problem per code (the first of a
    /// code's wordings): the site check's alone, or the token's as well.
    /// </summary>
    public static IReadOnlyList<PipelineProblem> CsrfRefusals(CsrfChecks checks) => checks == CsrfChecks.Site
        ? [CrossSiteFetch]
        : [CrossSiteFetch, CsrfMissing, CsrfMalformed, CsrfExpired, CsrfSessionEnded, CsrfSessionMismatch, CsrfSuperseded];

    public static PipelineProblem RateLimited(int retryAfterSeconds) => new(
        StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests.", $"The rate limit of this endpoint was reached; retry after {retryAfterSeconds} seconds.");

    public static PipelineProblem BodyTooLarge(long maxBytes) => new(
        StatusCodes.Status413PayloadTooLarge, "body_too_large", "The request body is too large.", $"Request bodies are limited to {maxBytes} bytes.");

    private static PipelineProblem Csrf(string reason, string detail) => new(StatusCodes.Status403Forbidden, reason, CsrfTitle, detail);
}
