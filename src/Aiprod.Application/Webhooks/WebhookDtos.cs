using Aiprod.Domain.Webhooks;

namespace Aiprod.Application.Webhooks;

/// <summary>A webhook subscription as its owner sees it (never its secret).</summary>
/// <param name="WebhookId">Its id.</param>
/// <param name="Url">Where deliveries are POSTed.</param>
/// <param name="Events">The events it receives.</param>
/// <param name="Description">The owner's note.</param>
/// <param name="Enabled">Whether deliveries are sent.</param>
/// <param name="DisabledReason">Why it was disabled (by its owner, or after failing for too long).</param>
/// <param name="DisabledAt">When it was disabled.</param>
/// <param name="FailingSince">When the current run of failed attempts began; null while deliveries succeed.</param>
/// <param name="PreviousSecretExpiresAt">Until when the secret a rotation replaced still signs beside the new one.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record WebhookDto(
    Guid WebhookId, string Url, IReadOnlyList<string> Events, string? Description, bool Enabled, string? DisabledReason,
    DateTimeOffset? DisabledAt, DateTimeOffset? FailingSince, DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WebhookDto Of(WebhookSubscription s) => new(
        s.Id.Value, s.Url, s.EventList, s.Description, s.Enabled, s.DisabledReason, s.DisabledAt, s.FailingSince,
        s.PreviousSecretExpiresAt, s.CreatedAt, s.UpdatedAt);
}

/// <summary>A subscription with its signing secret, shown this once.</summary>
/// <param name="Webhook">The subscription.</param>
/// <param name="Secret">The signing secret (`whsec_...`); it is never shown again.</param>
public sealed record WebhookWithSecretDto(WebhookDto Webhook, string Secret);

/// <summary>The caller's subscriptions.</summary>
/// <param name="Items">Oldest first.</param>
public sealed record WebhookListDto(IReadOnlyList<WebhookDto> Items);

/// <summary>One HTTP attempt of a delivery.</summary>
/// <param name="Number">1 for the first attempt.</param>
/// <param name="AttemptedAt">When it was sent.</param>
/// <param name="StatusCode">The receiver's answer; null when none came (refused, timed out, unreachable).</param>
/// <param name="LatencyMs">From sending to the answer's headers, or to the failure.</param>
/// <param name="Error">What went wrong; null on a 2xx.</param>
public sealed record WebhookAttemptDto(int Number, DateTimeOffset AttemptedAt, int? StatusCode, long LatencyMs, string? Error);

/// <summary>One event on its way to one subscription.</summary>
/// <param name="DeliveryId">Its id.</param>
/// <param name="MessageId">The `webhook-id` header the receiver sees, the same on every attempt and redelivery.</param>
/// <param name="EventType">The event's type.</param>
/// <param name="Status">`pending`, `succeeded` or `failed`.</param>
/// <param name="AttemptCount">Attempts made.</param>
/// <param name="NextAttemptAt">When the next attempt is due, while pending.</param>
/// <param name="CreatedAt">When the event happened.</param>
/// <param name="EndedAt">When it succeeded or finally failed.</param>
/// <param name="Attempts">Every attempt, first first.</param>
public sealed record WebhookDeliveryDto(
    Guid DeliveryId, string MessageId, string EventType, WebhookDeliveryStatus Status, int AttemptCount, DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, IReadOnlyList<WebhookAttemptDto> Attempts)
{
    public static string MessageIdOf(Guid id) => "msg_" + id.ToString("N");

    public static WebhookDeliveryDto Of(WebhookDelivery d) => new(
        d.Id.Value, MessageIdOf(d.MessageId), d.EventType, d.Status, d.AttemptCount, d.NextAttemptAt, d.CreatedAt, d.EndedAt,
        d.Attempts.OrderBy(a => a.Number).Select(a => new WebhookAttemptDto(a.Number, a.AttemptedAt, a.StatusCode, a.LatencyMs, a.Error)).ToList());
}

/// <summary>A subscription's deliveries.</summary>
/// <param name="Items">Newest first.</param>
public sealed record WebhookDeliveryListDto(IReadOnlyList<WebhookDeliveryDto> Items);
