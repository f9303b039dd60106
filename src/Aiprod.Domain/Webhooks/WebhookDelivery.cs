using Aiprod.Domain.Users;

namespace Aiprod.Domain.Webhooks;

/// <summary>
/// One event on its way to one subscription: the outbox row, written in the transaction of the change that caused the
/// event, then claimed by a dispatcher under a lease, attempted, and rescheduled along <see cref="WebhookRetrySchedule"/>
/// until the receiver answers 2xx or the schedule ends. The message id (<c>webhook-id</c>) stays the same across
/// attempts, so a receiver can drop a repeat; a redelivery is a new delivery of the same message.
/// </summary>
public sealed class WebhookDelivery
{
    public const int ErrorMaxLength = 500;

    private readonly List<WebhookAttempt> attempts = [];

    private WebhookDelivery()
    {
    }

    public WebhookDeliveryId Id { get; private set; }

    public WebhookId SubscriptionId { get; private set; }

    public UserId OwnerId { get; private set; }

    /// <summary>The Standard Webhooks message id, without its <c>msg_</c> prefix.</summary>
    public Guid MessageId { get; private set; }

    public string EventType { get; private set; } = "";

    /// <summary>The whole body sent: <c>{type, timestamp, data}</c>.</summary>
    public string Payload { get; private set; } = "";

    public WebhookDeliveryStatus Status { get; private set; }

    public int AttemptCount { get; private set; }

    public DateTimeOffset? NextAttemptAt { get; private set; }

    public DateTimeOffset? LeaseExpiresAt { get; private set; }

    public Guid? LeaseToken { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    public long Version { get; private set; }

    public IReadOnlyCollection<WebhookAttempt> Attempts => attempts.AsReadOnly();

    public static WebhookDelivery Enqueue(WebhookId subscriptionId, UserId ownerId, Guid messageId, string eventType, string payload, DateTimeOffset now) => new()
    {
        Id = WebhookDeliveryId.New(now),
        SubscriptionId = subscriptionId,
        OwnerId = ownerId,
        MessageId = messageId,
        EventType = eventType,
        Payload = payload,
        Status = WebhookDeliveryStatus.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
    };

    /// <summary>A new delivery of the same message (same <c>webhook-id</c>, same body), attempted at once.</summary>
    /// <remarks>The original's version moves, so of redeliveries decided at once on the same original one is written.</remarks>
    public WebhookDelivery Redeliver(DateTimeOffset now)
    {
        Version++;
        return Enqueue(SubscriptionId, OwnerId, MessageId, EventType, Payload, now);
    }

    /// <summary>Takes the delivery for one attempt; the lease lets another dispatcher take it back if this one dies.</summary>
    public Guid Claim(DateTimeOffset now, TimeSpan lease)
    {
        LeaseToken = Guid.NewGuid();
        LeaseExpiresAt = now + lease;
        Version++;
        return LeaseToken.Value;
    }

    public bool IsHeldBy(Guid leaseToken) => Status == WebhookDeliveryStatus.Pending && LeaseToken == leaseToken;

    /// <summary>
    /// Records an attempt. A success ends the delivery; a failure schedules the next attempt, or ends it failed when
    /// <paramref name="nextAttemptAt"/> is null (the schedule is over).
    /// </summary>
    public void RecordAttempt(DateTimeOffset at, int? statusCode, long latencyMs, string? error, bool succeeded, DateTimeOffset? nextAttemptAt)
    {
        AttemptCount++;
        attempts.Add(WebhookAttempt.Create(Id, AttemptCount, at, statusCode, latencyMs, error is { Length: > ErrorMaxLength } ? error[..ErrorMaxLength] : error));
        LeaseToken = null;
        LeaseExpiresAt = null;
        Version++;
        if (succeeded)
        {
            End(WebhookDeliveryStatus.Succeeded, at);
        }
        else if (nextAttemptAt is null)
        {
            End(WebhookDeliveryStatus.Failed, at);
        }
        else
        {
            NextAttemptAt = nextAttemptAt;
        }
    }

    /// <summary>Ends a pending delivery without an attempt (its subscription was disabled).</summary>
    public void Abandon(DateTimeOffset now)
    {
        LeaseToken = null;
        LeaseExpiresAt = null;
        Version++;
        End(WebhookDeliveryStatus.Failed, now);
    }

    private void End(WebhookDeliveryStatus status, DateTimeOffset at)
    {
        Status = status;
        EndedAt = at;
        NextAttemptAt = null;
    }
}

/// <summary>One HTTP attempt of a delivery: when, the answer's status (none when no answer came), how long, what went wrong.</summary>
public sealed class WebhookAttempt
{
    private WebhookAttempt()
    {
    }

    public long Id { get; private set; }

    public WebhookDeliveryId DeliveryId { get; private set; }

    public int Number { get; private set; }

    public DateTimeOffset AttemptedAt { get; private set; }

    public int? StatusCode { get; private set; }

    public long LatencyMs { get; private set; }

    public string? Error { get; private set; }

    internal static WebhookAttempt Create(WebhookDeliveryId deliveryId, int number, DateTimeOffset at, int? statusCode, long latencyMs, string? error) => new()
    {
        DeliveryId = deliveryId,
        Number = number,
        AttemptedAt = at,
        StatusCode = statusCode,
        LatencyMs = latencyMs,
        Error = error,
    };
}
