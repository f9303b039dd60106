namespace Aiprod.Infrastructure;

/// <summary>
/// Until when the circuit is open. Polly's own state stays "open" after the break until a call is attempted, so
/// callers that skip Redis on "open" would never let the probe through: they read this instead.
/// </summary>
public sealed class RedisCircuitState
{
    private long openUntil;

    public bool IsOpen => TimeProvider.System.GetTimestamp() < Interlocked.Read(ref openUntil);

    internal void Opened(TimeSpan breakDuration) =>
        Interlocked.Exchange(ref openUntil, TimeProvider.System.GetTimestamp() + (long)(breakDuration.TotalSeconds * TimeProvider.System.TimestampFrequency));

    internal void Closed()
    {
        Interlocked.Exchange(ref openUntil, 0);
        Restore();
    }

    /// <summary>See <see cref="RedisCircuit.Restored"/>.</summary>
    internal event Action? Restored;

    internal void Restore() => Restored?.Invoke();
}
