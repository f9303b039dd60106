using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Common;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Idempotency;

/// <summary>
/// Looks up and keeps the first answers of requests sent with an <c>Idempotency-Key</c>, for the handlers of the
/// routes that take one. A handler looks up before it acts and keeps its answer beside its effect, in its own unit of
/// work; it runs under the write lock (<see cref="IDecidesUnderWriteLock"/>), so on SQLite a duplicate waits for the
/// first to commit and replays it. The primary key (owner, scope, key) is the backstop where the database does not
/// serialise them: the later commit is refused and answered 409 <c>idempotency_key_in_flight</c>
/// (<see cref="IRefusedByUniqueIndex{TResponse}"/>).
/// </summary>
public sealed class IdempotencyLedger(IIdempotencyRecordRepository records, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new EntityIdJsonConverter() } };

    private IdempotencyRecord? expired;

    private (UserId OwnerId, string Scope, string Key, string RequestHash)? looked;

    /// <summary>
    /// The stored answer when the key answered this request before (null when it did not, or has expired), or
    /// <see cref="IdempotencyErrors.KeyReused"/> when it answered another request.
    /// </summary>
    public async Task<Result<T?>> LookUpAsync<T>(UserId ownerId, string scope, string key, string requestHash, CancellationToken cancellationToken)
        where T : class
    {
        looked = (ownerId, scope, key, requestHash);
        var record = await records.FindAsync(ownerId, scope, key, cancellationToken);
        if (record is null)
        {
            return (T?)null;
        }

        if (!record.IsLiveAt(clock.GetUtcNow()))
        {
            // Not yet swept: the new answer takes its row in the same commit (Keep).
            expired = record;
            return (T?)null;
        }

        return record.Answers(requestHash) ? JsonSerializer.Deserialize<T>(record.Response, Json)! : IdempotencyErrors.KeyReused;
    }

    /// <summary>
    /// Keeps <paramref name="answer"/> as the first answer of the key <see cref="LookUpAsync{T}"/> was asked about,
    /// committed with the effect it answers for; nothing when the request carried no key (no look-up was made).
    /// </summary>
    public void Keep<T>(T answer)
    {
        if (looked is not { } first)
        {
            return;
        }

        var response = JsonSerializer.Serialize(answer, Json);
        var lifetime = LifetimeOf(first.Scope);
        if (expired is not null)
        {
            expired.Restart(first.RequestHash, response, clock.GetUtcNow(), lifetime);
            expired = null;
            return;
        }

        records.Add(IdempotencyRecord.Keep(first.OwnerId, first.Scope, first.Key, first.RequestHash, response, clock.GetUtcNow(), lifetime));
    }

    /// <summary>
    /// A batch item's answer outlives its batch's key by <see cref="BatchItemGrace"/>: a retry that finds the batch's
    /// key live a moment before it expires still reaches its items minutes later, and must find them answered, not
    /// queue them again. The items' keys come from a prefix of that batch alone, so the longer life answers no one else.
    /// </summary>
    private static TimeSpan LifetimeOf(string scope) =>
        scope == IdempotencyScopes.PipelineBatchItem ? IdempotencyRecord.Lifetime + BatchItemGrace : IdempotencyRecord.Lifetime;

    /// <summary>Longer than any batch of 100 items takes (each item's write waits at most the busy timeout).</summary>
    public static readonly TimeSpan BatchItemGrace = TimeSpan.FromHours(1);

    /// <summary>SHA-256 (hex) of a request's canonical text: the caller puts fields in a fixed order, defaults spelled out.</summary>
    public static string Hash(params ReadOnlySpan<string?> fields)
    {
        // Each field prefixed with its length (null with a mark of its own), not joined by a separator: a field is
        // caller text and may hold any separator, which would let two different requests read as one.
        var canonical = new StringBuilder();
        foreach (var field in fields)
        {
            _ = field is null ? canonical.Append("-;") : canonical.Append(field.Length).Append(':').Append(field).Append(';');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}
