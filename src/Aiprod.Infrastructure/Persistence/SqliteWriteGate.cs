namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// The one in-process writer of the SQLite file. SQLite lets one transaction write at a time; a second
/// <c>BEGIN IMMEDIATE</c> gets SQLITE_BUSY and Microsoft.Data.Sqlite retries it with 150 ms sleeps, so writers that
/// meet there lose whole sleeps and come out in no particular order. Waiting here instead, they queue in memory
/// (first come, first served) and each enters as soon as the one before it committed. Held from BEGIN to
/// COMMIT/ROLLBACK, or around one statement that writes outside a transaction (<see cref="SqliteWriteGateInterceptor"/>).
/// Readers never take it: in WAL mode they read beside the writer.
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Whether a writer is inside now (for tests and diagnostics).</summary>
    public bool IsHeld => gate.CurrentCount == 0;

    public Task EnterAsync(CancellationToken cancellationToken) => gate.WaitAsync(cancellationToken);

    public void Enter(CancellationToken cancellationToken) => gate.Wait(cancellationToken);

    public void Exit() => gate.Release();

    public void Dispose() => gate.Dispose();
}
