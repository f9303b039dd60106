using Aiprod.Api.Contracts;
using Aiprod.Api.Setup;
using Aiprod.Application.Admin.Commands.DisableUserWebhook;
using Aiprod.Application.Webhooks;
using Aiprod.Domain.Webhooks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Admin;

namespace Aiprod.Api.Controllers;

/// <summary>Any user's webhook subscriptions, for an admin (access tokens only; 60 requests a minute per admin, policy `admin`).</summary>
[Route("admin/webhooks")]
[Authorize(Policy = AuthenticationSetup.AdminPolicy)]
[EnableRateLimiting(RateLimitPolicies.Admin)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class AdminWebhooksController : ApiControllerBase
{
    /// <summary>Disables any user's subscription, as failing for too long would: nothing more is sent to it.</summary>
    /// <remarks>
    /// Its pending deliveries are abandoned and no new ones are written; an attempt already on its way when the disable
    /// commits still finishes. `disabled_reason` tells the owner it was an admin, with the reason; the owner can enable
    /// it again (`PATCH /webhooks/{webhook_id}` with `enabled: true`).
    /// </remarks>
    /// <response code="200">The disabled subscription, never its secret.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No subscription has this id.</response>
    /// <response code="409">The subscription is already disabled (`webhook_already_disabled`).</response>
    [HttpPost("{webhook_id:guid}/disable")]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.WebhookNotFound))]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.AlreadyDisabled))]
    [Consumes("application/json")]
    [ProducesResponseType<WebhookDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> DisableWebhook([FromRoute(Name = "webhook_id")] WebhookId webhookId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new DisableUserWebhookCommand(webhookId, request.Reason), cancellationToken), Ok);
}
