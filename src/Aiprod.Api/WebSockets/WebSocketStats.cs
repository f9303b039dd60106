namespace Aiprod.Api.WebSockets;

/// <summary>Counters of this instance's job sockets.</summary>
public sealed class WebSocketStats
{
    private long active;
    private long byToken;
    private long byKey;
    private long messagesSent;
    private long errors;
    private long totalConnections;

    public long Active => Interlocked.Read(ref active);

    public long ByToken => Interlocked.Read(ref byToken);

    public long ByApiKey => Interlocked.Read(ref byKey);

    public long MessagesSent => Interlocked.Read(ref messagesSent);

    public long Errors => Interlocked.Read(ref errors);

    public long TotalConnections => Interlocked.Read(ref totalConnections);

    public IDisposable Connected(bool viaApiKey)
    {
        Interlocked.Increment(ref active);
        Interlocked.Increment(ref totalConnections);
        Interlocked.Increment(ref viaApiKey ? ref byKey : ref byToken);
        return new Disconnect(this, viaApiKey);
    }

    public void Sent() => Interlocked.Increment(ref messagesSent);

    public void Error() => Interlocked.Increment(ref errors);

    private sealed class Disconnect(WebSocketStats stats, bool viaApiKey) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                Interlocked.Decrement(ref stats.active);
                Interlocked.Decrement(ref viaApiKey ? ref stats.byKey : ref stats.byToken);
            }
        }
    }
}
