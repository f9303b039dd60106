namespace Aiprod.Application.Webhooks;

/// <summary>Webhook delivery settings (<c>Webhooks:*</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>Base64 of the 32-byte AES key that encrypts signing secrets. Required outside Development and Testing.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Plain <c>http://</c> URLs accepted (an operator's choice for a private network); https only by default.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Test-only: loopback addresses may be connected to. Private, link-local and metadata addresses are refused even then.
    /// </summary>
    public bool AllowLoopback { get; set; }

    /// <summary>How long a rotated-out secret keeps signing beside the new one.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A subscription whose every attempt has failed for this long is disabled.</summary>
    public TimeSpan DisableAfterFailingFor { get; set; } = TimeSpan.FromDays(3);

    /// <summary>The most one attempt may take, connection included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether this instance dispatches deliveries (several may; the lease keeps each attempt to one).</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>How often the dispatcher looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed delivery is held before another dispatcher may take it back (longer than <see cref="Timeout"/>).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Sends one dispatcher keeps in flight at once; it claims more as they end.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// The most of those in-flight sends one subscription may hold, so a slow or dead receiver (each send up to
    /// <see cref="Timeout"/>) leaves the other slots to the other subscriptions.
    /// </summary>
    public int MaxInFlightPerSubscription { get; set; } = 8;

    /// <summary>How long an ended delivery (succeeded or failed) and its attempts are kept before the sweep deletes them.</summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long before a key's expiry its <c>api_key.expiring</c> event is sent.</summary>
    public TimeSpan ApiKeyExpiringLeadTime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often keys coming up to their expiry are looked for.</summary>
    public TimeSpan ExpiryScanInterval { get; set; } = TimeSpan.FromMinutes(1);
}
