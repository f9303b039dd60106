using Aiprod.Api.Contracts;
using Aiprod.Api.Setup;
using Aiprod.Application.Admin.Commands.RevokeUserApiKey;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Domain.ApiKeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Admin;

namespace Aiprod.Api.Controllers;

/// <summary>Any user's API keys, for an admin (access tokens only; 60 requests a minute per admin, policy `admin`).</summary>
[Route("admin/api-keys")]
[Authorize(Policy = AuthenticationSetup.AdminPolicy)]
[EnableRateLimiting(RateLimitPolicies.Admin)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class AdminApiKeysController : ApiControllerBase
{
    /// <summary>Revokes any user's key at once, on every instance, as the owner's own revocation would.</summary>
    /// <response code="200">The revoked key; the reason is its revocation reason.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No key has this id.</response>
    /// <response code="409">The key is already revoked.</response>
    [HttpPost("{key_id:guid}/revoke")]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.ApiKeyNotFound))]
    [Answers(typeof(ApiKeyErrors), nameof(ApiKeyErrors.AlreadyRevoked))]
    [Consumes("application/json")]
    [ProducesResponseType<ApiKeyDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> RevokeApiKey([FromRoute(Name = "key_id")] ApiKeyId keyId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new RevokeUserApiKeyCommand(keyId, request.Reason), cancellationToken), Ok);
}
