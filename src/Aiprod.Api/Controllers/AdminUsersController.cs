using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Accounts.Commands.DisableUser;
using Aiprod.Application.Admin;
using Aiprod.Application.Admin.Commands.ChangeUserRole;
using Aiprod.Application.Admin.Commands.EnableUser;
using Aiprod.Application.Admin.Commands.RevokeUserSession;
using Aiprod.Application.Admin.Commands.UnlockUser;
using Aiprod.Application.Admin.Dtos;
using Aiprod.Application.Admin.Queries.GetUser;
using Aiprod.Application.Admin.Queries.ListUserApiKeys;
using Aiprod.Application.Admin.Queries.ListUserExports;
using Aiprod.Application.Admin.Queries.ListUserSessions;
using Aiprod.Application.Admin.Queries.ListUserWebhooks;
using Aiprod.Application.Admin.Queries.ListUsers;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Application.Webhooks;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Api.OpenApi;

namespace Aiprod.Api.Controllers;

/// <summary>
/// Administration of accounts, their sessions, keys, exports and webhook subscriptions (admin role, access tokens only: an API key, even an
/// admin's, gets 401). Every change takes a reason and is audited with the admin as actor. 60 requests a minute per
/// admin (policy `admin`).
/// </summary>
[Route("admin/users")]
[Authorize(Policy = AuthenticationSetup.AdminPolicy)]
[EnableRateLimiting(RateLimitPolicies.Admin)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class AdminUsersController : ApiControllerBase
{
    /// <summary>Lists accounts in id order (registration order on SQLite), filtered, a page at a time.</summary>
    /// <remarks>
    /// `email` matches any part of the address (so a prefix works too), case-insensitively. `status` is `active`,
    /// `disabled` or `locked` (locked out now by failed logins; a disabled account counts as disabled). Pass a page's
    /// `next_after` as `after` for the next page; the last page has none.
    /// </remarks>
    /// <param name="email">Part of the address.</param>
    /// <param name="role">`user` or `admin`.</param>
    /// <param name="status">`active`, `disabled` or `locked`.</param>
    /// <param name="after">The `next_after` of the previous page.</param>
    /// <param name="limit">Page size, 1 to 100 (default 50).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">A page of accounts.</response>
    /// <response code="400">A filter, the cursor or the limit is not valid.</response>
    [HttpGet]
    [ProducesResponseType<AdminUserPageDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListUsers(
        [FromQuery] string? email,
        [FromQuery] UserRole? role,
        [FromQuery] AdminUserStatus? status,
        [FromQuery] string? after,
        [FromQuery] int? limit,
        CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListUsersQuery(email, role, status, after, limit), cancellationToken));

    /// <summary>One account: last login, lockout state, live sessions, keys by status and jobs by status.</summary>
    /// <response code="200">The account.</response>
    /// <response code="404">No account has this id.</response>
    [HttpGet("{user_id:guid}")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [ProducesResponseType<AdminUserDetailDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> GetUser([FromRoute(Name = "user_id")] UserId userId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new GetUserQuery(userId), cancellationToken), Ok);

    /// <summary>Disables an account: it can no longer log in, and every session and key it has stops at once.</summary>
    /// <remarks>
    /// An admin cannot disable themself (409 `cannot_disable_self`), and the caller must still be an active admin when
    /// the disable commits (403 `not_an_admin`), so admins disabling or demoting each other at once always leave one.
    /// </remarks>
    /// <response code="204">Disabled.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="403">The caller's account is no longer an active admin (`not_an_admin`), whatever its token says.</response>
    /// <response code="404">No account has this id.</response>
    /// <response code="409">The account is already disabled (`already_disabled`), or the caller tried to disable themself (`cannot_disable_self`).</response>
    [HttpPost("{user_id:guid}/disable")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [Answers(typeof(UserErrors), nameof(UserErrors.AlreadyDisabled))]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.CannotDisableSelf))]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.NotAnAdmin))]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> DisableUser([FromRoute(Name = "user_id")] UserId userId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new DisableUserCommand(User.RequireUserId(), userId, request.Reason), cancellationToken), _ => NoContent());

    /// <summary>Enables a disabled account: it can log in again. Sessions and keys the disable ended stay ended.</summary>
    /// <response code="204">Enabled.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No account has this id.</response>
    /// <response code="409">The account is not disabled.</response>
    [HttpPost("{user_id:guid}/enable")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotDisabled))]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> EnableUser([FromRoute(Name = "user_id")] UserId userId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new EnableUserCommand(userId, request.Reason), cancellationToken), _ => NoContent());

    /// <summary>Ends an account's lockout and clears its failed-login count.</summary>
    /// <response code="204">Unlocked.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No account has this id.</response>
    /// <response code="409">The account is not locked out and has no failed logins to clear.</response>
    [HttpPost("{user_id:guid}/unlock")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotLocked))]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> UnlockUser([FromRoute(Name = "user_id")] UserId userId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new UnlockUserCommand(userId, request.Reason), cancellationToken), _ => NoContent());

    /// <summary>Gives an account the role `user` or `admin`.</summary>
    /// <remarks>
    /// An admin cannot demote themself (409 `cannot_demote_self`), so one admin always remains, also when admins
    /// demote each other at once. The new role is in the account's next access token (it logs in or refreshes).
    /// </remarks>
    /// <response code="204">Changed.</response>
    /// <response code="400">The role or the reason is not valid.</response>
    /// <response code="403">The caller's account is no longer an active admin (`not_an_admin`), whatever its token says.</response>
    /// <response code="404">No account has this id.</response>
    /// <response code="409">The account already has this role, or the caller tried to demote themself.</response>
    [HttpPost("{user_id:guid}/role")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [Answers(typeof(UserErrors), nameof(UserErrors.RoleUnchanged), UserRole.Admin)]
    [Answers(typeof(UserErrors), nameof(UserErrors.CannotDemoteSelf))]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.NotAnAdmin))]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> ChangeUserRole([FromRoute(Name = "user_id")] UserId userId, ChangeUserRoleRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ChangeUserRoleCommand(User.RequireUserId(), userId, request.Role, request.Reason), cancellationToken), _ => NoContent());

    /// <summary>An account's live sessions, most recently used first.</summary>
    /// <response code="200">The sessions (`current` is always false: none is the admin's).</response>
    /// <response code="404">No account has this id.</response>
    [HttpGet("{user_id:guid}/sessions")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [ProducesResponseType<IReadOnlyList<SessionDto>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ListUserSessions([FromRoute(Name = "user_id")] UserId userId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ListUserSessionsQuery(userId), cancellationToken), Ok);

    /// <summary>Ends one of an account's sessions, on every instance, as the user's own logout would.</summary>
    /// <remarks>
    /// The reason is a query parameter: a DELETE body has no defined meaning in HTTP (RFC 9110), and clients and
    /// proxies may drop it.
    /// </remarks>
    /// <param name="userId">The account.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="reason">Why, for the audit log: 1 to 500 characters.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="204">Ended.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No account has this id, or it has no live session with this id.</response>
    [HttpDelete("{user_id:guid}/sessions/{session_id:guid}")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.SessionNotFound))]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> RevokeUserSession(
        [FromRoute(Name = "user_id")] UserId userId,
        [FromRoute(Name = "session_id")] SessionId sessionId,
        [FromQuery] string? reason,
        CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new RevokeUserSessionCommand(userId, sessionId, reason ?? string.Empty), cancellationToken), _ => NoContent());

    /// <summary>Every key of an account, newest first, whatever its status (audited as `api_key.listed`).</summary>
    /// <response code="200">The keys, never their secrets.</response>
    /// <response code="404">No account has this id.</response>
    [HttpGet("{user_id:guid}/api-keys")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [ProducesResponseType<IReadOnlyList<ApiKeyDto>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ListUserApiKeys([FromRoute(Name = "user_id")] UserId userId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ListUserApiKeysQuery(userId), cancellationToken), Ok);

    /// <summary>An account's exports, newest first, as its owner's `GET /exports` lists them.</summary>
    /// <param name="userId">The account.</param>
    /// <param name="status">`queued`, `running`, `succeeded`, `failed`, `cancelled` or `expired`.</param>
    /// <param name="limit">Page size, 1 to 100 (default 20).</param>
    /// <param name="offset">Exports to skip (default 0).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">A page of exports.</response>
    /// <response code="400">A filter is not valid.</response>
    /// <response code="404">No account has this id.</response>
    [HttpGet("{user_id:guid}/exports")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [ProducesResponseType<ExportPageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ListUserExports(
        [FromRoute(Name = "user_id")] UserId userId, [FromQuery] ExportStatus? status, [FromQuery] int? limit, [FromQuery] int? offset, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ListUserExportsQuery(userId, status, limit, offset), cancellationToken), Ok);

    /// <summary>An account's webhook subscriptions, oldest first, as its owner's `GET /webhooks` lists them.</summary>
    /// <response code="200">The subscriptions, never their secrets.</response>
    /// <response code="404">No account has this id.</response>
    [HttpGet("{user_id:guid}/webhooks")]
    [Answers(typeof(UserErrors), nameof(UserErrors.NotFound))]
    [ProducesResponseType<WebhookListDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ListUserWebhooks([FromRoute(Name = "user_id")] UserId userId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ListUserWebhooksQuery(userId), cancellationToken), Ok);
}
