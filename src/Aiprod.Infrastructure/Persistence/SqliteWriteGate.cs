using Aiprod.Application.Abstractions;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// The one in-process writer of the SQLite file. SQLite lets one transaction write at a time; a second
/// <c>BEGIN IMMEDIATE</c> gets SQLITE_BUSY and Microsoft.Data.Sqlite retries it with 150 ms sleeps, so writers that
/// meet there lose whole sleeps and come out in no particular order. Waiting here instead, they queue in memory
/// (first come, first served) and each enters as soon as the one before it committed. Held from BEGIN to
/// COMMIT/ROLLBACK, or around one statement that writes outside a transaction (<see cref="SqliteWriteGateInterceptor"/>).
/// Readers never take it: in WAL mode they read beside the writer.
/// A writer waits for it no longer than the write-queue timeout: behind a holder that is itself stuck (another
/// process holds the file's lock), each queued writer gives up after its own wait instead of after every one before it.
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);

    private int waiting;

    private long exits;

    /// <summary>Whether a writer is inside now (for tests and diagnostics).</summary>
    public bool IsHeld => gate.CurrentCount == 0;

    /// <summary>Writers waiting to enter now (for tests and diagnostics).</summary>
    public int Waiting => Volatile.Read(ref waiting);

    /// <exception cref="StoreBusyException">The gate stayed held for <paramref name="timeout"/>.</exception>
    public async Task EnterAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref waiting);
        try
        {
            if (!await gate.WaitAsync(timeout, cancellationToken))
            {
                throw Busy(timeout);
            }
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
    }

    /// <exception cref="StoreBusyException">The gate stayed held for <paramref name="timeout"/>.</exception>
    public void Enter(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref waiting);
        try
        {
            if (!gate.Wait(timeout, cancellationToken))
            {
                throw Busy(timeout);
            }
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
    }

    /// <summary>How many holds have ended: a writer that committed has let go of the gate (<see cref="SqliteCheckpointer"/>).</summary>
    public long Exits => Interlocked.Read(ref exits);

    public void Exit()
    {
        Interlocked.Increment(ref exits);
        gate.Release();
    }

    public void Dispose() => gate.Dispose();

    private static StoreBusyException Busy(TimeSpan timeout) =>
        new($"The in-process writer queue did not reach this write within {timeout.TotalMilliseconds:0} ms.");
}
