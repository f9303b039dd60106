namespace Aiprod.Application.Idempotency;

/// <summary>An answer, and whether it is the replay of the first answer to the same <c>Idempotency-Key</c>.</summary>
public sealed record IdempotentAnswer<T>(T Value, bool Replayed);
