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

    /// <summary>Deliveries one dispatcher round claims and sends at once.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>How long before a key's expiry its <c>api_key.expiring</c> event is sent.</summary>
    public TimeSpan ApiKeyExpiringLeadTime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often keys coming up to their expiry are looked for.</summary>
    public TimeSpan ExpiryScanInterval { get; set; } = TimeSpan.FromMinutes(1);
}
