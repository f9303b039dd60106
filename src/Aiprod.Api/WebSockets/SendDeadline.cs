namespace Aiprod.Api.WebSockets;

/// <summary>
/// Bounds one send to a client that may have stopped reading (its TCP window full, the send waiting forever).
/// Each send gets a deadline of its own: one shared and disarmed after the send could fire in between, after the
/// send had succeeded, and stay cancelled, so that the next send of a healthy socket would fail at once.
/// </summary>
internal sealed class SendDeadline(TimeSpan timeout, TimeProvider clock)
{
    /// <summary>Runs <paramref name="send"/>; false when its deadline passed first (the send was cancelled by it).</summary>
    public async Task<bool> RunAsync(Func<CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await send(linked.Token);
            return true;
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }
}
