using Aiprod.Domain.Common;
using Aiprod.Domain.Users;

namespace Aiprod.Domain.Webhooks;

/// <summary>
/// Where one user wants some of their events sent. The signing secret is held encrypted (the infrastructure's
/// business); a rotated-out secret keeps signing beside the new one until <see cref="PreviousSecretExpiresAt"/>, so
/// a receiver can switch without losing a delivery. A subscription whose deliveries keep failing is disabled, with
/// the reason kept for its owner.
/// </summary>
public sealed class WebhookSubscription : AggregateRoot
{
    public const int UrlMaxLength = 2048;
    public const int DescriptionMaxLength = 500;
    public const int MaxPerOwner = 20;
    public const int DisabledReasonMaxLength = 500;

    private WebhookSubscription()
    {
    }

    public WebhookId Id { get; private set; }

    public UserId OwnerId { get; private set; }

    public string Url { get; private set; } = "";

    /// <summary>The subscribed event names, space-separated, in <see cref="WebhookEventTypes.Subscribable"/> order.</summary>
    public string Events { get; private set; } = "";

    public string? Description { get; private set; }

    public string SecretCiphertext { get; private set; } = "";

    public string? PreviousSecretCiphertext { get; private set; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; private set; }

    public bool Enabled { get; private set; }

    public string? DisabledReason { get; private set; }

    public DateTimeOffset? DisabledAt { get; private set; }

    /// <summary>When the current run of failed attempts began; null after a success.</summary>
    public DateTimeOffset? FailingSince { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public long Version { get; private set; }

    public IReadOnlyList<string> EventList => Events.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static WebhookSubscription Create(UserId ownerId, string url, IEnumerable<string> events, string? description, string secretCiphertext, DateTimeOffset now) => new()
    {
        Id = WebhookId.New(now),
        OwnerId = ownerId,
        Url = url,
        Events = Normalize(events),
        Description = description,
        SecretCiphertext = secretCiphertext,
        Enabled = true,
        CreatedAt = now,
        UpdatedAt = now,
    };

    public bool Wants(string eventType) => eventType == WebhookEventTypes.Ping || EventList.Contains(eventType);

    /// <summary>Changes what was given; enabling clears the reason it was disabled and its run of failures.</summary>
    public void Update(string? url, IEnumerable<string>? events, string? description, bool? enabled, DateTimeOffset now)
    {
        Url = url ?? Url;
        Events = events is null ? Events : Normalize(events);
        Description = description ?? Description;
        if (enabled is true && !Enabled)
        {
            Enabled = true;
            DisabledReason = null;
            DisabledAt = null;
            FailingSince = null;
        }
        else if (enabled is false && Enabled)
        {
            Disable("Disabled by the owner.", now);
        }

        Touch(now);
    }

    /// <summary>
    /// An admin stops the subscription: the state failing too long leaves (not enabled, a reason and when), so the
    /// dispatcher abandons its pending deliveries and the outbox writes it no new ones until its owner enables it again.
    /// </summary>
    public Result<Done> DisableByAdmin(string reason, DateTimeOffset now)
    {
        if (!Enabled)
        {
            return WebhookErrors.AlreadyDisabled;
        }

        var told = $"Disabled by an admin: {reason}";
        Disable(told.Length > DisabledReasonMaxLength ? told[..DisabledReasonMaxLength] : told, now);
        Touch(now);
        return Done.Value;
    }

    /// <summary>
    /// The current secret becomes the previous one, signing beside the new one until <paramref name="overlap"/> has
    /// passed; with <paramref name="revokePrevious"/> (the old secret leaked) no secret but the new one signs from now
    /// on, the one an earlier rotation kept included.
    /// </summary>
    public void RotateSecret(string newSecretCiphertext, TimeSpan overlap, DateTimeOffset now, bool revokePrevious = false)
    {
        PreviousSecretCiphertext = revokePrevious ? null : SecretCiphertext;
        PreviousSecretExpiresAt = revokePrevious ? null : now + overlap;
        SecretCiphertext = newSecretCiphertext;
        Touch(now);
    }

    /// <summary>The secrets that sign a delivery sent at <paramref name="now"/>, newest first.</summary>
    public IReadOnlyList<string> SigningSecretsAt(DateTimeOffset now) =>
        PreviousSecretCiphertext is { } previous && PreviousSecretExpiresAt > now ? [SecretCiphertext, previous] : [SecretCiphertext];

    /// <summary>
    /// The latest start of a run of failures (<see cref="FailingSince"/>) that a failure at <paramref name="now"/>
    /// disables the subscription for: it has then failed for <paramref name="disableAfter"/> or longer.
    /// </summary>
    /// <remarks>
    /// The dispatcher applies this and the start and end of a run of failures as guarded single-row updates (of many
    /// deliveries failing at once, each counts, one disables), not through a loaded aggregate.
    /// </remarks>
    public static DateTimeOffset DisableFailingSinceAtMost(DateTimeOffset now, TimeSpan disableAfter) => now - disableAfter;

    /// <summary>What the owner is told when failing for <paramref name="disableAfter"/> disabled the subscription.</summary>
    public static string DisabledAfterFailingReason(TimeSpan disableAfter, string lastError)
    {
        var reason = $"Every delivery failed for {disableAfter.TotalHours:0.#} hours; the last error: {lastError}";
        return reason.Length > DisabledReasonMaxLength ? reason[..DisabledReasonMaxLength] : reason;
    }

    private void Disable(string reason, DateTimeOffset now)
    {
        Enabled = false;
        DisabledReason = reason;
        DisabledAt = now;
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    private static string Normalize(IEnumerable<string> events)
    {
        var wanted = events.ToHashSet(StringComparer.Ordinal);
        return string.Join(' ', WebhookEventTypes.Subscribable.Where(wanted.Contains));
    }
}
