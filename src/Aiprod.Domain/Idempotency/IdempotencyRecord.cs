using Aiprod.Domain.Users;

namespace Aiprod.Domain.Idempotency;

/// <summary>
/// The first answer to a request sent with an <c>Idempotency-Key</c> (IETF httpapi idempotency-key draft), kept for
/// <see cref="Lifetime"/> so that a retry gets it again. It is keyed by owner, route scope and key: each caller has
/// their own keys, and a key used on one route means nothing on another. It is added in the same transaction as the
/// effect it answers for, so there is never an effect without its record, nor a record of an effect that was lost.
/// </summary>
public sealed class IdempotencyRecord
{
    public const int KeyMaxLength = 255;
    public const int ScopeMaxLength = 32;
    public const int RequestHashLength = 64;

    /// <summary>How long a key answers its first request; after that it may be used afresh.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private IdempotencyRecord()
    {
    }

    public UserId OwnerId { get; private set; }

    /// <summary>The route the key was used on (<see cref="IdempotencyScopes"/>).</summary>
    public string Scope { get; private set; } = "";

    public string Key { get; private set; } = "";

    /// <summary>SHA-256 (hex) of the normalised request: the same key with another body is refused.</summary>
    public string RequestHash { get; private set; } = "";

    /// <summary>The answer to replay, as the route stored it (JSON; never a secret in clear).</summary>
    public string Response { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public static IdempotencyRecord Keep(UserId ownerId, string scope, string key, string requestHash, string response, DateTimeOffset now, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Length > KeyMaxLength || scope.Length > ScopeMaxLength || requestHash.Length != RequestHashLength)
        {
            throw new ArgumentException("The key, scope or request hash does not fit its column.");
        }

        return new IdempotencyRecord
        {
            OwnerId = ownerId,
            Scope = scope,
            Key = key,
            RequestHash = requestHash,
            Response = response,
            CreatedAt = now,
            ExpiresAt = now + (lifetime ?? Lifetime),
        };
    }

    /// <summary>Reuses an expired key's row for the request that now uses the key afresh.</summary>
    public void Restart(string requestHash, string response, DateTimeOffset now, TimeSpan? lifetime = null)
    {
        if (IsLiveAt(now))
        {
            throw new InvalidOperationException("A live idempotency key cannot be used afresh.");
        }

        RequestHash = requestHash;
        Response = response;
        CreatedAt = now;
        ExpiresAt = now + (lifetime ?? Lifetime);
    }

    /// <summary>Whether the key still answers at <paramref name="now"/>; an expired record is as good as gone.</summary>
    public bool IsLiveAt(DateTimeOffset now) => now < ExpiresAt;

    /// <summary>Whether a retry carries the request this record answered.</summary>
    public bool Answers(string requestHash) => RequestHash == requestHash;
}

/// <summary>The routes that keep idempotency records; a key is looked up within its route's scope only.</summary>
public static class IdempotencyScopes
{
    public const string PipelineRun = "pipeline.run";
    public const string PipelineBatch = "pipeline.batch";

    /// <summary>An item of a batch sent with a key, under a key derived from the batch's (see <c>StartJobBatchCommand</c>).</summary>
    public const string PipelineBatchItem = "pipeline.batch.item";
    public const string WebhookCreate = "webhooks.create";
}
