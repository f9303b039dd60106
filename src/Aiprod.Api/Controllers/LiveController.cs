using Aiprod.Api.Authentication;
using Aiprod.Api.Http;
using Aiprod.Api.OpenApi;
using Aiprod.Api.Setup;
using Aiprod.Api.WebSockets;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports.Queries.GetExportState;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Api.Controllers;

/// <summary>Live updates of jobs and exports over WebSockets, and their statistics.</summary>
public sealed class LiveController(
    IJobEventBus bus,
    JobEventJson eventJson,
    WebSocketStats stats,
    OpenSocketsPerUser openSockets,
    IServiceScopeFactory scopes,
    IOptions<JobSocketOptions> options,
    ISessionRevocations revocations,
    IApiKeyAuthenticator keys,
    IOptions<JsonOptions> json,
    TimeProvider clock,
    ILogger<LiveController> logger) : ApiControllerBase
{
    /// <summary>
    /// Follows a job live (WebSocket). Authenticate with an access token in the `access_token` query parameter
    /// (browsers cannot set headers on a handshake) or with `X-API-Key` (`jobs:read`); only the job's owner may.
    /// </summary>
    /// <remarks>
    /// Server messages, JSON: `connected` (the job's state and last `event_id`), then `state_changed`, `progress`
    /// and `log` as they happen, each with `event_id`; `pong`, `status` and `error` in answer to the client.
    /// Client messages: `ping` and `status`, as plain text or `{"type": "ping"}`; `status` is answered from the
    /// events this socket received and read again from the database at most once a second. Pass `last_event_id` to
    /// receive what was missed, replayed from the stored history, before live events. Messages over 64 KB close the
    /// socket with 1009; an expired token or a revoked key or session closes it with 1008; a client that stops
    /// reading is dropped after `WebSockets:SendTimeout`. A user holds at most `WebSockets:MaxSocketsPerUser`
    /// sockets on an instance. Browser origins must be in `WebSockets:AllowedOrigins`. A token in the URL is
    /// redacted from every log line.
    /// </remarks>
    /// <param name="jobId">The job.</param>
    /// <param name="lastEventId">The last `event_id` this client saw, to resume without loss.</param>
    /// <response code="101">Switching to the WebSocket protocol.</response>
    /// <response code="400">Not a WebSocket handshake.</response>
    /// <response code="403">A browser origin that is not allowed.</response>
    /// <response code="404">The caller has no job with this id.</response>
    /// <response code="503">This instance holds the most sockets it allows (`server_busy`); retry after `Retry-After`.</response>
    /// <response code="409">The caller already holds the most sockets allowed on this instance (`socket_limit_reached`); close one first.</response>
    [HttpGet("/ws/job/{job_id:guid}")]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.WebSocketRequired))]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.OriginNotAllowed), "https://elsewhere.example")]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.SocketLimitReached), 100)]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.ServerBusy))]
    [Answers(typeof(JobErrors), nameof(JobErrors.NotFound))]
    [RequireScope(ApiKeyScope.JobsRead)]
    [EnableRateLimiting(RateLimitPolicies.WsConnect)]
    [ProducesResponseType(StatusCodes.Status101SwitchingProtocols)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public Task<IActionResult> Job([FromRoute(Name = "job_id")] JobId jobId, [FromQuery(Name = "last_event_id")] long? lastEventId)
    {
        var reads = new JobSocketReads(scopes);
        return FollowAsync(
            owner => reads.SnapshotAsync(owner, jobId, HttpContext.RequestAborted),
            async (socket, owner, watch, _) =>
            {
                using var session = new JobSocketSession(socket, owner, jobId, watch, bus, eventJson, reads, stats, options.Value, eventJson.Options, clock, logger);
                await session.RunAsync(lastEventId, HttpContext.RequestAborted);
            });
    }

    /// <summary>
    /// Follows an export live (WebSocket), authenticated as for jobs (an access token in `access_token`, or `X-API-Key`
    /// with `exports:read`); only the export's owner may.
    /// </summary>
    /// <remarks>
    /// Server messages, JSON, each with `type`, `export_id`, `at` and the `export`'s state (status, progress, size,
    /// `sha256`, error, `download_url`; not the request's job ids and columns): `connected`, then `progress` when its counts move and `state_changed` when its status does; the
    /// socket closes with 1000 once the export ended (succeeded, failed, cancelled, expired). The export is read again
    /// every `WebSockets:ExportPollInterval` (1 s), whichever instance runs it. Client messages: `ping` (answered
    /// `pong`) and `status` (the export as last read). Limits, origins and credential checks as for job sockets.
    /// </remarks>
    /// <param name="exportId">The export.</param>
    /// <response code="101">Switching to the WebSocket protocol.</response>
    /// <response code="400">Not a WebSocket handshake.</response>
    /// <response code="403">A browser origin that is not allowed.</response>
    /// <response code="404">The caller has no export with this id.</response>
    /// <response code="503">This instance holds the most sockets it allows (`server_busy`); retry after `Retry-After`.</response>
    /// <response code="409">The caller already holds the most sockets allowed on this instance (`socket_limit_reached`); close one first.</response>
    [HttpGet("/ws/export/{export_id:guid}")]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.WebSocketRequired))]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.OriginNotAllowed), "https://elsewhere.example")]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.SocketLimitReached), 100)]
    [Answers(typeof(SocketErrors), nameof(SocketErrors.ServerBusy))]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.NotFound))]
    [RequireScope(ApiKeyScope.ExportsRead)]
    [EnableRateLimiting(RateLimitPolicies.WsConnect)]
    [ProducesResponseType(StatusCodes.Status101SwitchingProtocols)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public Task<IActionResult> Export([FromRoute(Name = "export_id")] ExportId exportId) =>
        FollowAsync(
            owner => Sender.Send(new GetExportStateQuery(owner, exportId), HttpContext.RequestAborted).AsTask(),
            async (socket, owner, watch, first) =>
            {
                using var session = new ExportSocketSession(socket, owner, exportId, watch, scopes, stats, options.Value, json.Value.JsonSerializerOptions, clock, logger);
                await session.RunAsync(first, HttpContext.RequestAborted);
            });

    /// <summary>
    /// The handshake both sockets share: origin, the caller's and the instance's socket caps, the followed thing's
    /// existence for the caller, and a watch on the credential that opened it; then <paramref name="run"/> until the
    /// socket ends.
    /// </summary>
    private async Task<IActionResult> FollowAsync<T>(Func<UserId, Task<Result<T>>> find, Func<System.Net.WebSockets.WebSocket, UserId, ICredentialWatch, T, Task> run)
    {
        if (!HttpContext.WebSockets.IsWebSocketRequest)
        {
            return Problem(SocketErrors.WebSocketRequired);
        }

        var origin = Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !options.Value.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            return Problem(SocketErrors.OriginNotAllowed(origin));
        }

        var owner = User.RequireUserId();
        var cap = options.Value.MaxSocketsPerUser;
        // Taken before the upgrade and released by this using on every way out: refusal, close, abort or error.
        using var slot = openSockets.TryOpen(owner, cap, options.Value.MaxConnections, out var instanceFull);
        if (instanceFull)
        {
            Response.Headers.RetryAfter = "30";
            return Problem(SocketErrors.ServerBusy);
        }

        if (slot is null)
        {
            return Problem(SocketErrors.SocketLimitReached(cap));
        }

        var found = await find(owner);
        if (!found.IsSuccess)
        {
            return Problem(found.Error);
        }

        var viaKey = User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim) is not null;
        ICredentialWatch watch = viaKey
            ? new ApiKeyWatch(Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString(), keys)
            : new AccessTokenWatch(
                DateTimeOffset.FromUnixTimeSeconds(long.Parse(User.FindFirst(JwtRegisteredClaimNames.Exp)!.Value, System.Globalization.CultureInfo.InvariantCulture)),
                User.SessionId(),
                revocations,
                clock);

        using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = options.Value.KeepAliveInterval, KeepAliveTimeout = options.Value.EffectiveKeepAliveTimeout });
        using var connection = stats.Connected(viaKey);
        try
        {
            await run(socket, owner, watch, found.Value);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            stats.Error();
        }

        return new EmptyResult();
    }

    /// <summary>Connection statistics of this instance (admin).</summary>
    [HttpGet("/ws/stats")]
    [Authorize(Policy = AuthenticationSetup.AdminPolicy)]
    [ProducesResponseType<WebSocketStatsDto>(StatusCodes.Status200OK)]
    public IActionResult Stats() => Ok(new WebSocketStatsDto(
        stats.Active, stats.ByToken, stats.ByApiKey, stats.TotalConnections, stats.MessagesSent, stats.Errors, bus.JobsWithSubscribers));

    /// <summary>Job sockets of this instance.</summary>
    /// <param name="ActiveConnections">Open now.</param>
    /// <param name="AuthenticatedByToken">Open now, opened with an access token.</param>
    /// <param name="AuthenticatedByApiKey">Open now, opened with an API key.</param>
    /// <param name="TotalConnections">Opened since start.</param>
    /// <param name="MessagesSent">Sent since start.</param>
    /// <param name="Errors">Unknown client messages and broken sockets since start.</param>
    /// <param name="JobsWithSubscribers">Jobs someone is following now.</param>
    public sealed record WebSocketStatsDto(long ActiveConnections, long AuthenticatedByToken, long AuthenticatedByApiKey, long TotalConnections, long MessagesSent, long Errors, int JobsWithSubscribers);
}
