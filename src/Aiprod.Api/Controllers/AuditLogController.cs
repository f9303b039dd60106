using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Application.Audit.Queries.ListAuditCheckpoints;
using Aiprod.Application.Audit.Queries.ListAuditEvents;
using Aiprod.Application.Audit.Queries.VerifyAuditChain;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Audit;

namespace Aiprod.Api.Controllers;

/// <summary>
/// The audit log: its events (a user's own, or everyone's for an admin), the signed checkpoints of its hash chain, and
/// the chain's verification. Access tokens only: a key acts for a program, and the log is for people.
/// </summary>
[Route("security/audit-log")]
[EnableRateLimiting(RateLimitPolicies.AuditLog)]
public sealed class AuditLogController : ApiControllerBase
{
    /// <summary>
    /// Audit events, newest first. A user gets the events they did or that were done to them (their id as `actor_id` or
    /// `target`); an admin gets everyone's and may filter by `actor`. Each carries its place in the hash chain (`seq`,
    /// `hash`; null for the second or so before the sealer chains it).
    /// </summary>
    /// <param name="actor">Admin only (a user may give only their own id): events whose actor is this id.</param>
    /// <param name="type">An event type (`login.failed`) or a resource with `.*` (`api_key.*`).</param>
    /// <param name="outcome">`success` or `failure`.</param>
    /// <param name="target">Events on this target (a user, key, job, export or session id; the email address of a failed login of an unknown account).</param>
    /// <param name="since">Events at or after this time (ISO 8601).</param>
    /// <param name="until">Events before this time (ISO 8601).</param>
    /// <param name="after">The `next_after` of the previous page; leave out for the first page.</param>
    /// <param name="limit">Page size, 1 to 100 (default 50).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">A page; `next_after` is null on the last.</response>
    /// <response code="401">No valid access token.</response>
    /// <response code="403">A user asked for another actor's events.</response>
    [HttpGet]
    [Answers(typeof(AuditErrors), nameof(AuditErrors.AdminOnlyFilter))]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]
    [ProducesResponseType<AuditEventPageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    public async Task<IActionResult> List(
        [FromQuery] string? actor,
        [FromQuery] string? type,
        [FromQuery] AuditOutcome? outcome,
        [FromQuery] string? target,
        [FromQuery] DateTimeOffset? since,
        [FromQuery] DateTimeOffset? until,
        [FromQuery] string? after,
        [FromQuery] int? limit,
        CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ListAuditEventsQuery(User.RequireUserId().ToString(), User.IsInRole(RoleNames.Admin), actor, type, outcome, target,
            since, until, after, limit), cancellationToken), Ok);

    /// <summary>
    /// The signed checkpoints of the audit chain, oldest first, with the public key (a JWK) that verifies them. Any
    /// signed-in user may read them, so that someone other than the database's administrators can keep copies off the
    /// machine: they hold hashes and counts, no event's content. Each `signature` is ES256 (r||s, base64url) over the
    /// UTF-8 bytes of `payload`, which a verifier should rebuild from the fields (see the README's audit chain).
    /// </summary>
    /// <param name="after">The `next_after` of the previous page; leave out for the first page.</param>
    /// <param name="limit">Page size, 1 to 100 (default 50).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">A page; `next_after` is null on the last.</response>
    /// <response code="401">No valid access token.</response>
    [HttpGet("checkpoints")]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]
    [ProducesResponseType<AuditCheckpointPageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    public async Task<IActionResult> Checkpoints([FromQuery] string? after, [FromQuery] int? limit, CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListAuditCheckpointsQuery(after, limit), cancellationToken));

    /// <summary>
    /// Walks the whole chain and every checkpoint, like CloudTrail's validate-logs (and the host command `verify-audit`):
    /// the range checked, events valid and invalid, the first broken sequence number, and each checkpoint's signature
    /// and match. Reads the whole log: admins only.
    /// </summary>
    /// <response code="200">The report; `intact` says whether anything is broken.</response>
    /// <response code="401">No valid access token.</response>
    /// <response code="403">The caller is not an admin.</response>
    [HttpGet("verify")]
    [Authorize(Policy = AuthenticationSetup.AdminPolicy)]
    [ProducesResponseType<AuditVerificationReport>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    public async Task<IActionResult> Verify(CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new VerifyAuditChainQuery(), cancellationToken));
}
