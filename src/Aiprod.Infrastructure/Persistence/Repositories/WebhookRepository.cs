using Aiprod.Application.Abstractions;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class WebhookRepository(AiprodDbContext db) : IWebhookRepository
{
    public void Add(WebhookSubscription subscription) => db.WebhookSubscriptions.Add(subscription);

    public void Remove(WebhookSubscription subscription) => db.WebhookSubscriptions.Remove(subscription);

    public void AddDelivery(WebhookDelivery delivery) => db.WebhookDeliveries.Add(delivery);

    public Task<WebhookSubscription?> FindOwnedAsync(UserId ownerId, WebhookId id, CancellationToken cancellationToken) =>
        db.WebhookSubscriptions.FirstOrDefaultAsync(s => s.Id == id && s.OwnerId == ownerId, cancellationToken);

    public Task<WebhookSubscription?> FindAsync(WebhookId id, CancellationToken cancellationToken) =>
        db.WebhookSubscriptions.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);

    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(UserId ownerId, CancellationToken cancellationToken) =>
        await db.WebhookSubscriptions.AsNoTracking().Where(s => s.OwnerId == ownerId).OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).ToListAsync(cancellationToken);

    public Task<int> CountAsync(UserId ownerId, CancellationToken cancellationToken) =>
        db.WebhookSubscriptions.CountAsync(s => s.OwnerId == ownerId, cancellationToken);

    public Task<bool> HasPendingDeliveryOfAsync(WebhookDelivery delivery, CancellationToken cancellationToken) =>
        db.WebhookDeliveries.AnyAsync(d => d.SubscriptionId == delivery.SubscriptionId && d.MessageId == delivery.MessageId && d.Status == WebhookDeliveryStatus.Pending, cancellationToken);

    public Task<WebhookDelivery?> FindDeliveryAsync(UserId ownerId, WebhookId subscriptionId, WebhookDeliveryId deliveryId, CancellationToken cancellationToken) =>
        db.WebhookDeliveries.Include(d => d.Attempts)
            .FirstOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == subscriptionId && d.OwnerId == ownerId, cancellationToken);

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(UserId ownerId, WebhookId subscriptionId, WebhookDeliveryStatus? status, int limit, CancellationToken cancellationToken)
    {
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == subscriptionId && d.OwnerId == ownerId);
        if (status is { } wanted)
        {
            query = query.Where(d => d.Status == wanted);
        }

        return await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(limit).Include(d => d.Attempts).ToListAsync(cancellationToken);
    }
}
