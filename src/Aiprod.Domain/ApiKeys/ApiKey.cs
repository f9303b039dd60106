using Aiprod.Domain.Common;
using Aiprod.Domain.Users;

namespace Aiprod.Domain.ApiKeys;

/// <summary>
/// A long-lived credential for scripts and workers. Only the SHA-256 of the key is kept, with a short display
/// prefix; the key itself is shown once, when it is issued. Rotation issues a child that inherits name and
/// scopes; the parent keeps working for a grace period, never past its own expiry.
/// </summary>
public sealed class ApiKey : AggregateRoot
{
    public const int NameMaxLength = 100;
    public const int ReasonMaxLength = 500;

    private List<ApiKeyScope> scopes = [];

    private ApiKey()
    {
        Name = string.Empty;
        KeyHash = string.Empty;
        Prefix = string.Empty;
    }

    public ApiKeyId Id { get; private set; }

    public UserId OwnerId { get; private set; }

    public string Name { get; private set; }

    /// <summary>Lower-case hex SHA-256 of the key.</summary>
    public string KeyHash { get; private set; }

    /// <summary>The first characters of the key, to tell keys apart in lists.</summary>
    public string Prefix { get; private set; }

    public IReadOnlyList<ApiKeyScope> Scopes => scopes.AsReadOnly();

    /// <summary>Active, rotated or revoked as last changed; <see cref="StatusAt"/> adds expiry.</summary>
    public ApiKeyStatus Status { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? LastUsedAt { get; private set; }

    public long UsageCount { get; private set; }

    public ApiKeyId? ParentKeyId { get; private set; }

    public DateTimeOffset? RotatedAt { get; private set; }

    /// <summary>Until when a rotated key still authenticates.</summary>
    public DateTimeOffset? GraceEndsAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public string? RevocationReason { get; private set; }

    /// <summary>
    /// When the <c>api_key.expiring</c> webhook event was written for this key, if it was. Set by a guarded update in
    /// the transaction that writes the event, so the notice is sent once however many instances look.
    /// </summary>
    public DateTimeOffset? ExpiryNoticeAt { get; private set; }

    /// <summary>
    /// Optimistic concurrency: incremented by every change of status. An update carries the version it read, so of
    /// a revocation and a rotation racing on one key exactly one applies and the other decides again on what it did.
    /// Usage counts are not changes: they are added in SQL and never conflict.
    /// </summary>
    public int Version { get; private set; }

    public static ApiKey Issue(
        UserId ownerId,
        string name,
        IReadOnlyCollection<ApiKeyScope> scopes,
        string keyHash,
        string prefix,
        DateTimeOffset now,
        TimeSpan lifetime) =>
        Create(ownerId, name, scopes, keyHash, prefix, now, lifetime, parent: null);

    public ApiKeyStatus StatusAt(DateTimeOffset now) =>
        Status is ApiKeyStatus.Active && now >= ExpiresAt ? ApiKeyStatus.Expired : Status;

    /// <summary>Whether a request presenting this key is let in now.</summary>
    public bool CanAuthenticate(DateTimeOffset now) => AuthenticationRefusal(now) is null;

    /// <summary>Why a request presenting this key is refused now, or null when it is let in.</summary>
    public ApiKeyStatus? AuthenticationRefusal(DateTimeOffset now) => Status switch
    {
        ApiKeyStatus.Revoked => ApiKeyStatus.Revoked,
        _ when now >= ExpiresAt => ApiKeyStatus.Expired,
        ApiKeyStatus.Rotated when GraceEndsAt is null || now >= GraceEndsAt => ApiKeyStatus.Rotated,
        _ => null,
    };

    /// <summary>
    /// Issues the successor (same name and scopes, a fresh expiry) and keeps this key working for
    /// <paramref name="gracePeriod"/>, but never past its own expiry.
    /// </summary>
    public Result<ApiKey> Rotate(string newKeyHash, string newPrefix, DateTimeOffset now, TimeSpan gracePeriod, TimeSpan lifetime)
    {
        if (gracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(gracePeriod), "A grace period cannot be negative.");
        }

        var status = StatusAt(now);
        if (status != ApiKeyStatus.Active)
        {
            return ApiKeyErrors.NotActive(status);
        }

        Status = ApiKeyStatus.Rotated;
        RotatedAt = now;
        Version++;
        Raise(new ApiKeyInvalidated(KeyHash));
        var graceEnd = now + gracePeriod;
        GraceEndsAt = graceEnd < ExpiresAt ? graceEnd : ExpiresAt;
        return Create(OwnerId, Name, scopes, newKeyHash, newPrefix, now, lifetime, parent: this);
    }

    /// <summary>
    /// Revoke-all, the one rule for it (an owner's "revoke every key", an account disabled): every key that still
    /// works stops; one already revoked is left as it was. Returns the keys it stopped.
    /// </summary>
    public static IReadOnlyList<ApiKey> RevokeEveryUsable(IEnumerable<ApiKey> keys, DateTimeOffset now, string? reason) =>
        keys.Where(k => k.Revoke(now, reason).IsSuccess).ToList();

    /// <summary>
    /// The keys issued by rotating <paramref name="key"/>, and by rotating those, among its owner's keys: what stopping
    /// a key must stop too when its rotation may have committed first.
    /// </summary>
    public static IReadOnlyList<ApiKey> SuccessorsOf(ApiKey key, IEnumerable<ApiKey> ownersKeys)
    {
        var byParent = ownersKeys.Where(k => k.ParentKeyId is not null).ToLookup(k => k.ParentKeyId.GetValueOrDefault());
        var found = new List<ApiKey>();
        var next = new Queue<ApiKeyId>([key.Id]);
        while (next.TryDequeue(out var id))
        {
            foreach (var child in byParent[id])
            {
                found.Add(child);
                next.Enqueue(child.Id);
            }
        }

        return found;
    }

    /// <summary>Stops the key at once, in or out of a rotation grace period.</summary>
    public Result<Done> Revoke(DateTimeOffset now, string? reason)
    {
        if (Status == ApiKeyStatus.Revoked)
        {
            return ApiKeyErrors.AlreadyRevoked;
        }

        Status = ApiKeyStatus.Revoked;
        RevokedAt = now;
        Version++;
        Raise(new ApiKeyInvalidated(KeyHash));
        RevocationReason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()[..Math.Min(reason.Trim().Length, ReasonMaxLength)];
        return Done.Value;
    }

    private static ApiKey Create(
        UserId ownerId,
        string name,
        IReadOnlyCollection<ApiKeyScope> scopes,
        string keyHash,
        string prefix,
        DateTimeOffset now,
        TimeSpan lifetime,
        ApiKey? parent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyHash);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentNullException.ThrowIfNull(scopes);
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "A key must live for a positive time.");
        }

        if (!scopes.All(ApiKeyScopes.IsKnown))
        {
            throw new ArgumentException("Every scope must be a member of ApiKeyScope.", nameof(scopes));
        }

        return new ApiKey
        {
            Id = ApiKeyId.New(now),
            OwnerId = ownerId,
            Name = name.Trim(),
            KeyHash = keyHash,
            Prefix = prefix,
            scopes = scopes.Distinct().Order().ToList(),
            Status = ApiKeyStatus.Active,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            ParentKeyId = parent?.Id,
        };
    }
}
