using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.OpenApi;
using Aiprod.Api.Setup;
using Aiprod.Application.Webhooks;
using Aiprod.Application.Webhooks.Commands.CreateWebhook;
using Aiprod.Application.Webhooks.Commands.DeleteWebhook;
using Aiprod.Application.Webhooks.Commands.RedeliverWebhook;
using Aiprod.Application.Webhooks.Commands.RotateWebhookSecret;
using Aiprod.Application.Webhooks.Commands.SendTestWebhook;
using Aiprod.Application.Webhooks.Commands.UpdateWebhook;
using Aiprod.Application.Webhooks.Queries.GetWebhook;
using Aiprod.Application.Webhooks.Queries.ListWebhookDeliveries;
using Aiprod.Application.Webhooks.Queries.ListWebhooks;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Webhooks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>
/// Webhook subscriptions, for their owner, with an access token (a subscription holds a signing secret, so no key
/// scope reaches it). Deliveries follow the Standard Webhooks specification: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` (`v1,` and base64 of HMAC-SHA256 over `id.timestamp.body`) headers and a `{type, timestamp,
/// data}` body; a subscription receives only its owner's events.
/// </summary>
[Route("webhooks")]
[Authorize(Policy = AuthenticationSetup.UserPolicy)]
[EnableRateLimiting(RateLimitPolicies.WebhooksRead)]
public sealed class WebhooksController : ApiControllerBase
{
    /// <summary>Creates a subscription and answers its signing secret, shown this once.</summary>
    /// <remarks>
    /// The secret (`whsec_` and base64) is the HMAC key of every delivery's signature; it is stored encrypted and never
    /// shown again (rotate it to get a new one), except to a retry with the same `Idempotency-Key` and body within 24
    /// hours, which answers the first answer again, secret included. At most 20 subscriptions per user.
    /// </remarks>
    /// <param name="request">The subscription.</param>
    /// <param name="idempotencyKey">Makes a retry safe: the same key and body answer the first subscription for 24 hours, the same key with another body is 422. One key, sent once (a repeated header or a comma list is 400).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="201">Created, or the subscription an earlier request with the same `Idempotency-Key` created (then `Idempotent-Replayed: true`); the body holds the secret.</response>
    /// <response code="409">The caller has 20 subscriptions already, or another request with the same `Idempotency-Key` is being processed (`idempotency_key_in_flight`; send it again), or the first answer to this `Idempotency-Key` can no longer be replayed because its secret was rotated out or the server's webhook secret key changed since (`idempotency_replay_unavailable`; the detail names the subscription).</response>
    /// <response code="422">The `Idempotency-Key` was used with another body (`idempotency_key_reused`).</response>
    [HttpPost]
    [Answers(typeof(IdempotencyErrors), nameof(IdempotencyErrors.KeyReused))]
    [Answers(typeof(IdempotencyErrors), nameof(IdempotencyErrors.KeyInFlight))]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.TooMany))]
    [Answers(typeof(IdempotencyErrors), nameof(IdempotencyErrors.ReplayUnavailable),
        "The first answer to this Idempotency-Key created webhook 01a22bf2-5b1e-7c3d-9a41-2f0c8e6d4b17, but its secret was rotated out since and is not shown again. The subscription exists: use its current secret, or get a new one with POST /webhooks/01a22bf2-5b1e-7c3d-9a41-2f0c8e6d4b17/rotate-secret.")]
    [EnableRateLimiting(RateLimitPolicies.WebhooksChange)]
    [Consumes("application/json")]
    [ProducesResponseType<WebhookWithSecretDto>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IActionResult> CreateWebhook(CreateWebhookRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken cancellationToken) =>
        ToActionResult(
            await Sender.Send(new CreateWebhookCommand(User.RequireUserId(), request.Url, request.Events, request.Description, IdempotencyKeyOf(idempotencyKey)), cancellationToken),
            answer =>
            {
                var created = MarkReplayed(answer);
                return Created($"/webhooks/{created.Webhook.WebhookId}", created);
            });

    /// <summary>The caller's subscriptions, oldest first (never their secrets).</summary>
    /// <response code="200">The subscriptions.</response>
    [HttpGet]
    [ProducesResponseType<WebhookListDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListWebhooks(CancellationToken cancellationToken) =>
        Ok(await Sender.Send(new ListWebhooksQuery(User.RequireUserId()), cancellationToken));

    /// <summary>A subscription: its URL, events, whether it is enabled, and why it was disabled.</summary>
    /// <response code="200">The subscription.</response>
    /// <response code="404">The caller has no subscription with this id.</response>
    [HttpGet("{webhook_id:guid}")]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.NotFound))]
    [ProducesResponseType<WebhookDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> GetWebhook([FromRoute(Name = "webhook_id")] WebhookId webhookId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new GetWebhookQuery(User.RequireUserId(), webhookId), cancellationToken), Ok);

    /// <summary>Changes a subscription's URL, events, description, or whether it is enabled.</summary>
    /// <response code="200">The subscription as changed.</response>
    /// <response code="404">The caller has no subscription with this id.</response>
    [HttpPatch("{webhook_id:guid}")]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.NotFound))]
    [EnableRateLimiting(RateLimitPolicies.WebhooksChange)]
    [Consumes("application/json")]
    [ProducesResponseType<WebhookDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> UpdateWebhook([FromRoute(Name = "webhook_id")] WebhookId webhookId, UpdateWebhookRequest request, CancellationToken cancellationToken) =>
        ToActionResult(
            await Sender.Send(new UpdateWebhookCommand(User.RequireUserId(), webhookId, request.Url, request.Events, request.Description, request.Enabled), cancellationToken),
            Ok);

    /// <summary>Deletes a subscription and its deliveries; nothing more is sent to it.</summary>
    /// <response code="204">Deleted.</response>
    /// <response code="404">The caller has no subscription with this id.</response>
    [HttpDelete("{webhook_id:guid}")]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.NotFound))]
    [EnableRateLimiting(RateLimitPolicies.WebhooksChange)]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> DeleteWebhook([FromRoute(Name = "webhook_id")] WebhookId webhookId, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new DeleteWebhookCommand(User.RequireUserId(), webhookId), cancellationToken), _ => NoContent());

    /// <summary>Gives the subscription a new signing secret, shown this once.</summary>
    /// <remarks>
    /// The secret it replaces keeps signing beside the new one for 24 hours (`Webhooks:SecretRotationOverlap`): each
    /// delivery carries both signatures in `webhook-signature`, so the receiver can switch without losing one. With
    /// `{"revoke_previous": true}` (the old secret leaked) the old secret stops signing at once: every attempt sent
    /// from then on carries the new secret's signature alone. The body is optional.
    /// </remarks>
    /// <response code="200">The subscription and its new secret.</response>
    /// <response code="404">The caller has no subscription with this id.</response>
    [HttpPost("{webhook_id:guid}/rotate-secret")]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.NotFound))]
    [EnableRateLimiting(RateLimitPolicies.WebhooksChange)]
    [ProducesResponseType<WebhookWithSecretDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> RotateWebhookSecret(
        [FromRoute(Name = "webhook_id")] WebhookId webhookId, [FromBody] RotateWebhookSecretRequest? request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new RotateWebhookSecretCommand(User.RequireUserId(), webhookId, request?.RevokePrevious ?? false), cancellationToken), Ok);

    /// <summary>Queues a `webhook.ping` to the subscription, signed, delivered and retried like any event.</summary>
    /// <response code="202">Queued; follow it in the deliveries.</response>
    /// <response code="404">The caller has no subscription with this id.</response>
    /// <response code="409">The subscription is disabled.</response>
    [HttpPost("{webhook_id:guid}/test")]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.NotFound))]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.Disabled))]
    [EnableRateLimiting(RateLimitPolicies.WebhooksChange)]
    [ProducesResponseType<WebhookDeliveryDto>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> SendTestWebhook([FromRoute(Name = "webhook_id")] WebhookId webhookId, CancellationToken cancellationToken) =>
        ToActionResult(
            await Sender.Send(new SendTestWebhookCommand(User.RequireUserId(), webhookId), cancellationToken),
            delivery => Accepted($"/webhooks/{webhookId}/deliveries", delivery));

    /// <summary>The subscription's deliveries, newest first, each with every attempt: its time, status code, latency and error.</summary>
    /// <param name="webhookId">The subscription.</param>
    /// <param name="status">`pending`, `succeeded` or `failed`.</param>
    /// <param name="limit">How many, 1 to 100 (default 50).</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    /// <response code="200">The deliveries.</response>
    /// <response code="404">The caller has no subscription with this id.</response>
    [HttpGet("{webhook_id:guid}/deliveries")]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.NotFound))]
    [ProducesResponseType<WebhookDeliveryListDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ListDeliveries(
        [FromRoute(Name = "webhook_id")] WebhookId webhookId, [FromQuery] WebhookDeliveryStatus? status, [FromQuery] int? limit, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new ListWebhookDeliveriesQuery(User.RequireUserId(), webhookId, status, limit), cancellationToken), Ok);

    /// <summary>Sends an ended delivery's message again, as a new delivery with the same `webhook-id` and body.</summary>
    /// <response code="202">Queued; the new delivery.</response>
    /// <response code="404">The caller has no such subscription or delivery.</response>
    /// <response code="409">The delivery is still being attempted, or the subscription is disabled.</response>
    [HttpPost("{webhook_id:guid}/deliveries/{delivery_id:guid}/redeliver")]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.NotFound))]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.DeliveryNotFound))]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.Disabled))]
    [Answers(typeof(WebhookErrors), nameof(WebhookErrors.DeliveryPending))]
    [EnableRateLimiting(RateLimitPolicies.WebhooksChange)]
    [ProducesResponseType<WebhookDeliveryDto>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> RedeliverDelivery(
        [FromRoute(Name = "webhook_id")] WebhookId webhookId, [FromRoute(Name = "delivery_id")] WebhookDeliveryId deliveryId, CancellationToken cancellationToken) =>
        ToActionResult(
            await Sender.Send(new RedeliverWebhookCommand(User.RequireUserId(), webhookId, deliveryId), cancellationToken),
            delivery => Accepted($"/webhooks/{webhookId}/deliveries", delivery));
}
