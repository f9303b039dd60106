using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Mediator;

namespace Aiprod.Application.Webhooks.Commands.SendTestWebhook;

/// <summary>Queues a <c>webhook.ping</c> to the subscription, delivered, signed and retried like any event.</summary>
public sealed record SendTestWebhookCommand(UserId OwnerId, WebhookId WebhookId) : ICommand<Result<WebhookDeliveryDto>>;

public sealed class SendTestWebhookCommandHandler(IWebhookRepository webhooks, TimeProvider clock)
    : ICommandHandler<SendTestWebhookCommand, Result<WebhookDeliveryDto>>
{
    public async ValueTask<Result<WebhookDeliveryDto>> Handle(SendTestWebhookCommand command, CancellationToken cancellationToken)
    {
        var subscription = await webhooks.FindOwnedAsync(command.OwnerId, command.WebhookId, cancellationToken);
        if (subscription is null)
        {
            return WebhookErrors.NotFound;
        }

        if (!subscription.Enabled)
        {
            return WebhookErrors.Disabled;
        }

        var now = clock.GetUtcNow();
        var payload = WebhookPayload.Serialize(WebhookEventTypes.Ping, now, new { webhook_id = subscription.Id.Value });
        var delivery = WebhookDelivery.Enqueue(subscription.Id, subscription.OwnerId, Guid.CreateVersion7(now), WebhookEventTypes.Ping, payload, now);
        webhooks.AddDelivery(delivery);
        return WebhookDeliveryDto.Of(delivery);
    }
}
