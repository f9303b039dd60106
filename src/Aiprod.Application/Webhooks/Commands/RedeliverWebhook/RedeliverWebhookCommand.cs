using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Mediator;

namespace Aiprod.Application.Webhooks.Commands.RedeliverWebhook;

/// <summary>
/// Sends an ended delivery's message again as a new delivery (same <c>webhook-id</c> and body, a fresh retry schedule);
/// a pending one, or one whose message is already on its way again, is refused. Redelivers at once of the same
/// message: on SQLite they decide one after another under the write lock (<see cref="IDecidesUnderWriteLock"/>), so
/// the first one's pending delivery refuses the rest; elsewhere the original's version lets one of them through.
/// </summary>
public sealed record RedeliverWebhookCommand(UserId OwnerId, WebhookId WebhookId, WebhookDeliveryId DeliveryId) : ICommand<Result<WebhookDeliveryDto>>, IDecidesUnderWriteLock;

public sealed class RedeliverWebhookCommandHandler(IWebhookRepository webhooks, TimeProvider clock)
    : ICommandHandler<RedeliverWebhookCommand, Result<WebhookDeliveryDto>>
{
    public async ValueTask<Result<WebhookDeliveryDto>> Handle(RedeliverWebhookCommand command, CancellationToken cancellationToken)
    {
        var subscription = await webhooks.FindOwnedAsync(command.OwnerId, command.WebhookId, cancellationToken);
        if (subscription is null)
        {
            return WebhookErrors.NotFound;
        }

        var delivery = await webhooks.FindDeliveryAsync(command.OwnerId, command.WebhookId, command.DeliveryId, cancellationToken);
        if (delivery is null)
        {
            return WebhookErrors.DeliveryNotFound;
        }

        if (!subscription.Enabled)
        {
            return WebhookErrors.Disabled;
        }

        if (delivery.Status == WebhookDeliveryStatus.Pending || await webhooks.HasPendingDeliveryOfAsync(delivery, cancellationToken))
        {
            return WebhookErrors.DeliveryPending;
        }

        var again = delivery.Redeliver(clock.GetUtcNow());
        webhooks.AddDelivery(again);
        return WebhookDeliveryDto.Of(again);
    }
}
