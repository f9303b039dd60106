namespace Aiprod.Api.WebSockets;

/// <summary>
/// Bounds each send of one socket to a client that may have stopped reading (its TCP window full, the send waiting
/// forever). Sends pass <see cref="Token"/>; a send that completes at once (nearly all of them: the transport buffers
/// what the kernel does not take yet) costs no timer at all. Only a send that waits arms the socket's one timer, and
/// only the timer's owner state decides: it cancels <see cref="Token"/> only after winning, by compare-and-swap, the
/// deadline of the send still pending, whose time has passed. A timer that fires late, after its send succeeded (or
/// for a later send whose time has not come), finds nothing to cancel, so a healthy socket's next send never starts
/// with its token already cancelled. Once the deadline has won, the token stays cancelled and the socket is dropped.
/// </summary>
internal sealed class SendDeadline : IDisposable
{
    private const long Idle = 0;
    private const long Expired = -1;

    private readonly TimeSpan timeout;
    private readonly long timeoutTicks;
    private readonly TimeProvider clock;
    private readonly CancellationTokenSource cancel = new();
    private readonly CancellationTokenRegistration stopping;
    private ITimer? timer;

    // Idle, Expired, or the timestamp (clock.GetTimestamp) by which the pending send must have completed.
    private long deadline;

    /// <param name="timeout">How long one send may wait.</param>
    /// <param name="clock">The clock of the deadline and its timer.</param>
    /// <param name="stop">The socket's own end: cancels <see cref="Token"/> too, without counting as a deadline.</param>
    public SendDeadline(TimeSpan timeout, TimeProvider clock, CancellationToken stop)
    {
        this.timeout = timeout;
        this.clock = clock;
        timeoutTicks = (long)(timeout.TotalSeconds * clock.TimestampFrequency);
        stopping = stop.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), cancel);
    }

    /// <summary>The token every send of the socket passes: cancelled by a deadline that passed, or by the socket's end.</summary>
    public CancellationToken Token => cancel.Token;

    /// <summary>
    /// Waits for <paramref name="send"/>, started with <see cref="Token"/>; false when its deadline passed first (the
    /// send was cancelled by it, or completed only after it). One send at a time.
    /// </summary>
    public ValueTask<bool> WaitAsync(ValueTask send)
    {
        if (send.IsCompleted)
        {
            // Completed or failed at once: no deadline was armed, so a failure is the socket's own.
            send.GetAwaiter().GetResult();
            return new ValueTask<bool>(true);
        }

        return WaitPendingAsync(send);
    }

    private async ValueTask<bool> WaitPendingAsync(ValueTask send)
    {
        var due = clock.GetTimestamp() + timeoutTicks;
        Volatile.Write(ref deadline, due);
        Arm(timeout);
        try
        {
            await send;
        }
        catch (Exception) when (Volatile.Read(ref deadline) == Expired)
        {
            return CutOff();
        }
        finally
        {
            // Disarmed by state, not by the timer: a timer that fires now finds Idle (or Expired, if it won first).
            Interlocked.CompareExchange(ref deadline, Idle, due);
        }

        return Volatile.Read(ref deadline) != Expired || CutOff();
    }

    // The timer that won the deadline cancels the token, but the send can end between its win and its Cancel: the
    // token is cancelled here too before the send is reported cut off (Cancel is idempotent and thread-safe).
    private bool CutOff()
    {
        cancel.Cancel();
        return false;
    }

    private void Arm(TimeSpan dueIn)
    {
        var armed = Volatile.Read(ref timer);
        if (armed is null)
        {
            // Only a send that waits gets here: most sockets never create a timer. No request context flows into it.
            // Created disarmed and stored before it is armed: a timer that fired (a little early) before it was
            // stored could not re-arm itself, and the pending send would never be cut off.
            using (ExecutionContext.SuppressFlow())
            {
                armed = clock.CreateTimer(static s => ((SendDeadline)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            Volatile.Write(ref timer, armed);
        }

        armed.Change(dueIn, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        var due = Volatile.Read(ref deadline);
        if (due is Idle or Expired)
        {
            return;
        }

        var now = clock.GetTimestamp();
        if (now < due)
        {
            // Armed for an earlier send, or a timer that rounds its period down: wait out what is left of this one.
            try
            {
                // Whole milliseconds, rounded up: a system timer rounds down, and would fire again too early.
                var left = TimeSpan.FromMilliseconds(Math.Ceiling((due - now) * 1000.0 / clock.TimestampFrequency));
                Volatile.Read(ref timer)?.Change(left, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The socket ended meanwhile.
            }

            return;
        }

        if (Interlocked.CompareExchange(ref deadline, Expired, due) == due)
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The socket ended as its deadline passed: nothing left to cancel, and a timer thread must not throw.
            }
        }
    }

    public void Dispose()
    {
        // A timer that fires from here on finds Expired and does nothing.
        Volatile.Write(ref deadline, Expired);
        stopping.Dispose();
        Volatile.Read(ref timer)?.Dispose();
        cancel.Dispose();
    }
}
