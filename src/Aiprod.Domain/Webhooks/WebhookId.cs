using Aiprod.Domain.Common;

namespace Aiprod.Domain.Webhooks;

/// <summary>Identifies a <see cref="WebhookSubscription"/>.</summary>
public readonly record struct WebhookId(Guid Value) : IEntityId<WebhookId>
{
    public static WebhookId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}

/// <summary>Identifies a <see cref="WebhookDelivery"/>.</summary>
public readonly record struct WebhookDeliveryId(Guid Value) : IEntityId<WebhookDeliveryId>
{
    public static WebhookDeliveryId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}
