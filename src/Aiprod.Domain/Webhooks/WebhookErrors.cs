using Aiprod.Domain.Common;

namespace Aiprod.Domain.Webhooks;

public static class WebhookErrors
{
    public static readonly Error NotFound = Error.NotFound("webhook_not_found", "You have no webhook subscription with this id.");

    public static readonly Error DeliveryNotFound = Error.NotFound("webhook_delivery_not_found", "This subscription has no delivery with this id.");

    public static readonly Error Disabled = Error.Conflict(
        "webhook_disabled", "The subscription is disabled; enable it (PATCH with enabled: true) before sending to it.");

    public static readonly Error AlreadyDisabled = Error.Conflict("webhook_already_disabled", "The subscription is already disabled.");

    public static readonly Error DeliveryPending = Error.Conflict(
        "webhook_delivery_pending", "The delivery is still being attempted; redeliver it once it has succeeded or failed.");

    public static readonly Error TooMany = Error.Conflict(
        "too_many_webhooks", $"You have {WebhookSubscription.MaxPerOwner} webhook subscriptions already; delete one first.");
}
