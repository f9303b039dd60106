using Aiprod.Api.Authentication;
using Aiprod.Api.Contracts;
using Aiprod.Api.Filters;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.ApiKeys.Commands.CreateApiKey;
using Aiprod.Application.ApiKeys.Commands.RevokeAllApiKeys;
using Aiprod.Application.ApiKeys.Commands.RevokeApiKey;
using Aiprod.Application.ApiKeys.Commands.RotateApiKey;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.ApiKeys.Queries.GetApiKeyHealth;
using Aiprod.Application.ApiKeys.Queries.GetApiKeyStats;
using Aiprod.Application.ApiKeys.Queries.ListApiKeys;
using Aiprod.Application.Common;
using Aiprod.Api.OpenApi;
using Aiprod.Domain.ApiKeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Domain.Users;

namespace Aiprod.Api.Controllers;

/// <summary>
/// API keys for scripts and workers. Managing keys needs a user's access token, never a key, so a leaked key
/// cannot mint more keys. Another user's `key_id` answers 404 on every route.
/// </summary>
[Route("api-keys")]
public sealed class ApiKeysController : ApiControllerBase
{
    /// <summary>Creates a key. The key is in this answer only: store it now.</summary>
    /// <response code="201">The key and its metadata.</response>
    /// <response code="403">The caller's account is disabled (`account_disabled`).</response>
    /// <response code="409">The caller already has the most active keys allowed (`ApiKeys:MaxActiveKeysPerUser`).</response>
    [HttpPost("create")]
    [Answers(typeof(UserErrors), nameof(UserErrors.Disabled))]
    [Answers(typeof(ApiKeyErrors), nameof(ApiKeyErrors.LimitReached), 25)]
    [NoStore]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]

    [EnableRateLimiting(RateLimitPolicies.ApiKeysCreate)]
    [Consumes("application/json")]
    [ProducesResponseType<IssuedApiKeyDto>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Create(CreateApiKeyRequest request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new CreateApiKeyCommand(User.RequireUserId(), request.Name, request.Scopes, request.ExpiresInDays), cancellationToken);
        return ToActionResult(result, issued => Created($"/api-keys?include_inactive=true#{issued.ApiKey.KeyId}", issued));
    }

    /// <summary>Lists the caller's keys (never a key or its hash).</summary>
    /// <param name="includeInactive">Also list rotated, revoked and expired keys.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    [HttpGet]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]
    [EnableRateLimiting(RateLimitPolicies.ApiKeysRead)]
    [ProducesResponseType<ApiKeyListDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List([FromQuery(Name = "include_inactive")] bool includeInactive, CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListApiKeysQuery(User.RequireUserId(), includeInactive), cancellationToken));

    /// <summary>Replaces a key with a new one of the same name and scopes and a fresh expiry; the new key is in this answer only.</summary>
    /// <remarks>The old key becomes `rotated` and keeps working for `grace_period_seconds`, never past its own expiry.</remarks>
    /// <response code="201">The new key and its metadata.</response>
    /// <response code="403">The caller's account is disabled (`account_disabled`).</response>
    /// <response code="404">The caller has no key with this id.</response>
    /// <response code="409">The key is not active (already rotated, revoked or expired).</response>
    [HttpPost("{key_id:guid}/rotate")]
    [Answers(typeof(UserErrors), nameof(UserErrors.Disabled))]
    [Answers(typeof(ApiKeyErrors), nameof(ApiKeyErrors.NotActive), ApiKeyStatus.Revoked)]
    [Answers(typeof(ApiKeyErrors), nameof(ApiKeyErrors.NotFound))]
    [NoStore]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]

    [EnableRateLimiting(RateLimitPolicies.ApiKeysChange)]
    [ProducesResponseType<IssuedApiKeyDto>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Rotate([FromRoute(Name = "key_id")] ApiKeyId keyId, [FromBody] RotateApiKeyRequest? request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new RotateApiKeyCommand(User.RequireUserId(), keyId, request?.GracePeriodSeconds), cancellationToken);
        return ToActionResult(result, issued => Created($"/api-keys?include_inactive=true#{issued.ApiKey.KeyId}", issued));
    }

    /// <summary>Revokes a key at once, in or out of a rotation grace period.</summary>
    /// <response code="200">The revoked key.</response>
    /// <response code="404">The caller has no key with this id.</response>
    /// <response code="409">The key is already revoked.</response>
    [HttpPost("{key_id:guid}/revoke")]
    [Answers(typeof(ApiKeyErrors), nameof(ApiKeyErrors.AlreadyRevoked))]
    [Answers(typeof(ApiKeyErrors), nameof(ApiKeyErrors.NotFound))]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]

    [EnableRateLimiting(RateLimitPolicies.ApiKeysChange)]
    [ProducesResponseType<ApiKeyDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Revoke([FromRoute(Name = "key_id")] ApiKeyId keyId, [FromBody] RevokeApiKeyRequest? request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new RevokeApiKeyCommand(User.RequireUserId(), keyId, request?.Reason), cancellationToken);
        return ToActionResult(result, Ok);
    }

    /// <summary>Revokes every key of the caller that still works. Needs `confirm: true`.</summary>
    /// <response code="200">How many keys were revoked.</response>
    /// <response code="400">`confirm` is not true.</response>
    [HttpPost("revoke-all")]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]

    [EnableRateLimiting(RateLimitPolicies.ApiKeysRevokeAll)]
    [Consumes("application/json")]
    [ProducesResponseType<RevokeAllResultDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> RevokeAll(RevokeAllApiKeysRequest request, CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new RevokeAllApiKeysCommand(User.RequireUserId(), request.Confirm, request.Reason), cancellationToken));

    /// <summary>Counts by status, the next expiration and usage totals.</summary>
    [HttpGet("stats")]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]

    [EnableRateLimiting(RateLimitPolicies.ApiKeysRead)]
    [ProducesResponseType<ApiKeyStatsDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Stats(CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new GetApiKeyStatsQuery(User.RequireUserId()), cancellationToken));

    /// <summary>The state of the caller's keys and concrete recommendations (expiring, unused, old, broad, too many).</summary>
    [HttpGet("health")]
    [Authorize(Policy = AuthenticationSetup.UserPolicy)]

    [EnableRateLimiting(RateLimitPolicies.ApiKeysHealth)]
    [ProducesResponseType<ApiKeyHealthDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Health(CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new GetApiKeyHealthQuery(User.RequireUserId()), cancellationToken));

    /// <summary>Describes the key sent in `X-API-Key`: a script's way to check its key works and what it may do.</summary>
    /// <response code="200">The key is valid now.</response>
    /// <response code="401">The key is invalid, expired, revoked, or rotated past its grace period.</response>
    [HttpGet("current")]
    [Authorize(Policy = AuthenticationSetup.ApiKeyPolicy)]
    [EnableRateLimiting(RateLimitPolicies.ApiKeysRead)]
    [ProducesResponseType<CurrentApiKeyResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    public IActionResult Current() => Ok(new CurrentApiKeyResponse(
        User.RequireApiKeyId(),
        User.RequireUserId(),
        User.FindAll(ApiKeyAuthenticationHandler.ScopeClaim).Select(c => EnumNames.Parse<ApiKeyScope>(c.Value)).ToList()));
}
