namespace Aiprod.Api.Http;

/// <summary>
/// A problem the HTTP pipeline answers itself, outside any handler's <c>Error</c>: one definition, used by the code
/// that writes it and by the OpenAPI document's examples.
/// </summary>
internal sealed record PipelineProblem(int Status, string Code, string Title, string Detail);

/// <summary>The problems every route may answer (or every route with a body, or behind authentication).</summary>
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

    public static PipelineProblem RateLimited(int retryAfterSeconds) => new(
        StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests.", $"The rate limit of this endpoint was reached; retry after {retryAfterSeconds} seconds.");

    public static PipelineProblem BodyTooLarge(long maxBytes) => new(
        StatusCodes.Status413PayloadTooLarge, "body_too_large", "The request body is too large.", $"Request bodies are limited to {maxBytes} bytes.");
}
