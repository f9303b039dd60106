using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;

namespace Aiprod.Application.Abstractions;

public interface IWebhookRepository
{
    void Add(WebhookSubscription subscription);

    void Remove(WebhookSubscription subscription);

    void AddDelivery(WebhookDelivery delivery);

    /// <summary>The owner's subscription; another owner's is "not found".</summary>
    Task<WebhookSubscription?> FindOwnedAsync(UserId ownerId, WebhookId id, CancellationToken cancellationToken);

    /// <summary>Any owner's subscription, for an admin.</summary>
    Task<WebhookSubscription?> FindAsync(WebhookId id, CancellationToken cancellationToken);

    Task<IReadOnlyList<WebhookSubscription>> ListAsync(UserId ownerId, CancellationToken cancellationToken);

    Task<int> CountAsync(UserId ownerId, CancellationToken cancellationToken);

    /// <summary>Whether a delivery of the same message (webhook-id) to the same subscription as <paramref name="delivery"/> is still being attempted.</summary>
    Task<bool> HasPendingDeliveryOfAsync(WebhookDelivery delivery, CancellationToken cancellationToken);

    /// <summary>A delivery of the owner's subscription, with its attempts.</summary>
    Task<WebhookDelivery?> FindDeliveryAsync(UserId ownerId, WebhookId subscriptionId, WebhookDeliveryId deliveryId, CancellationToken cancellationToken);

    /// <summary>The subscription's deliveries, newest first, with their attempts, untracked.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(UserId ownerId, WebhookId subscriptionId, WebhookDeliveryStatus? status, int limit, CancellationToken cancellationToken);
}
