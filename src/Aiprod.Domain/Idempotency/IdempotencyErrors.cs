using Aiprod.Domain.Common;

namespace Aiprod.Domain.Idempotency;

/// <summary>The refusals of a reused <c>Idempotency-Key</c>, with the codes <c>POST /exports</c> answers too.</summary>
public static class IdempotencyErrors
{
    public static readonly Error KeyReused = Error.Unprocessable(
        "idempotency_key_reused", "This Idempotency-Key was used on this route with another request body; use a new key for a new request.");

    public static readonly Error KeyInFlight = Error.Conflict(
        "idempotency_key_in_flight", "Another request with this Idempotency-Key is being processed; send it again to get its answer.");

    /// <summary>The first answer is kept but cannot be shown again (what it holds can no longer be read).</summary>
    public static Error ReplayUnavailable(string detail) => Error.Conflict("idempotency_replay_unavailable", detail);
}
