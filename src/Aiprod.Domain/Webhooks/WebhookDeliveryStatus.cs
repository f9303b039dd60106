namespace Aiprod.Domain.Webhooks;

public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its next attempt (the first, or a retry).</summary>
    Pending,

    /// <summary>The receiver answered 2xx.</summary>
    Succeeded,

    /// <summary>Every attempt of the schedule failed, or the subscription was disabled or deleted.</summary>
    Failed,
}
