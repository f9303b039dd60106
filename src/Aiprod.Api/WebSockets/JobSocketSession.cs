using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Api.WebSockets;

/// <summary>
/// One client following one job. On connect: <c>connected</c> with the job's state; then, for a client that
/// passed <c>last_event_id</c>, the events it missed, from the stored history; then live events as they are
/// committed. The client may send <c>ping</c> and <c>status</c>, as plain text or as <c>{"type": …}</c>.
/// </summary>
internal sealed class JobSocketSession(
    WebSocket socket,
    UserId ownerId,
    JobId jobId,
    ICredentialWatch credential,
    IJobEventBus bus,
    JobEventJson eventJson,
    JobSocketReads reads,
    WebSocketStats stats,
    JobSocketOptions options,
    JsonSerializerOptions json,
    TimeProvider clock,
    ILogger logger) : IDisposable
{
    /// <summary>
    /// <c>status</c> is answered from what this socket knows (its last read, then its events); the database is asked
    /// again at most this often, so a client that sends <c>status</c> in a loop costs one query a second, not one per
    /// message. The read catches what no event brought (a Redis message lost between instances).
    /// </summary>
    public static readonly TimeSpan StatusRefreshInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<object> outgoing = Channel.CreateBounded<object>(new BoundedChannelOptions(options.SendQueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    // Written before the loops start, then only by the send loop: no lock. The job as this socket knows it is a
    // value updated in place: one event reaches 10,000 sockets, and a record copied per socket was a third of what
    // the fan-out allocated.
    private long lastSent;
    private KnownJob known;
    private DateTimeOffset knownReadAt;

    private volatile bool overflowed;

    private readonly SocketLink link = new(socket, options, stats, json, clock, logger);

    public async Task RunAsync(long? lastEventId, CancellationToken aborted)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        link.Open(cts.Token);

        // Subscribe before reading the state, so nothing committed in between is missed; duplicates are skipped by id.
        using var subscription = bus.Subscribe(jobId, e =>
        {
            if (!outgoing.Writer.TryWrite(e))
            {
                overflowed = true;
            }
        });

        var snapshot = await reads.SnapshotAsync(ownerId, jobId, cts.Token);
        if (!snapshot.IsSuccess)
        {
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, "The job is gone.", cts.Token);
            return;
        }

        known = KnownJob.Of(snapshot.Value);
        knownReadAt = clock.GetUtcNow();
        await SendAsync(new ConnectedMessage(jobId, known.Status, known.Progress, known.LastEventId, known.UpdatedAt));
        lastSent = known.LastEventId;
        if (lastEventId is { } resumeAfter && resumeAfter < known.LastEventId && !await ReplayAsync(resumeAfter, cts.Token))
        {
            return;
        }

        var sending = SendLoopAsync(cts.Token);
        var receiving = link.ReceiveLoopAsync(AnswerAsync, cts.Token);
        var watching = link.WatchCredentialAsync(credential, cts.Token);
        await Task.WhenAny(sending, receiving, watching);
        await cts.CancelAsync();
        try
        {
            await Task.WhenAll(sending, receiving, watching);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ChannelClosedException or IOException or ObjectDisposedException)
        {
            // The socket ended; whichever loop noticed first has already closed or aborted it.
        }
    }

    /// <summary>
    /// Sends the stored events after <paramref name="resumeAfter"/>. When they cannot be read the client is told and
    /// the socket closed: going on live would leave a gap the client could not see, and its next resume (from a
    /// later event id) would skip it for good.
    /// </summary>
    private async Task<bool> ReplayAsync(long resumeAfter, CancellationToken cancellationToken)
    {
        IReadOnlyList<JobEventDto>? missed;
        try
        {
            var read = await reads.EventsAfterAsync(ownerId, jobId, resumeAfter, cancellationToken);
            missed = read.IsSuccess ? read.Value : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Replaying the events of job {JobId} after {EventId} failed", jobId, resumeAfter);
            missed = null;
        }

        if (missed is null)
        {
            await SendAsync(new ErrorMessage($"The events after last_event_id {resumeAfter} could not be replayed; reconnect with the same last_event_id to try again."));
            await CloseAsync(WebSocketCloseStatus.InternalServerError, "Replay failed; reconnect with last_event_id.", cancellationToken);
            return false;
        }

        foreach (var e in missed)
        {
            await SendAsync(e);
            lastSent = Math.Max(lastSent, e.EventId);
        }

        return true;
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        // Read without the token and ended by completing the queue when the socket ends: a channel waits for a
        // cancelable read with a new operation each time, one allocation per event and socket.
        using var ending = cancellationToken.UnsafeRegister(static q => ((ChannelWriter<object>)q!).TryComplete(), outgoing.Writer);
        await foreach (var message in outgoing.Reader.ReadAllAsync(CancellationToken.None))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (overflowed)
            {
                await CloseAsync(WebSocketCloseStatus.PolicyViolation, "Too slow to keep up; reconnect with last_event_id.", cancellationToken);
                return;
            }

            switch (message)
            {
                case JobEventDto e when e.EventId <= lastSent:
                    continue;
                case JobEventDto e when e.EventId > lastSent + 1:
                    await FillGapAsync(e, cancellationToken);
                    break;
                case JobEventDto e:
                    await SendEventAsync(e, live: true);
                    break;
                case StatusRequest:
                    await SendAsync(await StatusAsync(cancellationToken));
                    break;
                default:
                    await SendAsync(message);
                    break;
            }
        }
    }

    /// <summary>
    /// Events numbered before <paramref name="next"/> never reached this instance (a Redis message lost, or an
    /// instance whose publish fell back to its own sockets): they are committed, so they are read from the database
    /// and sent first, in order.
    /// </summary>
    private async Task FillGapAsync(JobEventDto next, CancellationToken cancellationToken)
    {
        var missed = await reads.EventsAfterAsync(ownerId, jobId, lastSent, cancellationToken);
        foreach (var e in missed.Value ?? [])
        {
            if (e.EventId > lastSent && e.EventId < next.EventId)
            {
                await SendEventAsync(e, live: false);
            }
        }

        await SendEventAsync(next, live: true);
    }

    /// <summary>
    /// Sends one event. A <paramref name="live"/> event came from the bus, the same instance to every socket of its
    /// job, and is serialized once for all of them; one read from the database for this socket is serialized here.
    /// </summary>
    private Task SendEventAsync(JobEventDto e, bool live)
    {
        lastSent = e.EventId;
        Remember(e);
        return live ? link.SendJsonAsync(eventJson.Of(e)) : SendAsync(e);
    }

    private void Remember(JobEventDto e)
    {
        // A database read may already be ahead of an event still in the queue; never step back to it.
        if (e.EventId > known.LastEventId)
        {
            known = known with
            {
                Status = e.Type == "state_changed" && e.Status is { } status ? status : known.Status,
                Progress = e.Progress ?? known.Progress,
                LastEventId = e.EventId,
                UpdatedAt = e.At,
            };
        }
    }

    private async Task<object> StatusAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now - knownReadAt >= StatusRefreshInterval)
        {
            Domain.Common.Result<JobSnapshotDto> fresh;
            try
            {
                fresh = await reads.SnapshotAsync(ownerId, jobId, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database did not answer: what this socket knows is still the best answer, and the next status
                // asks the database again. Letting it escape would end the socket with an unhandled exception.
                logger.LogWarning(ex, "Reading job {JobId} for a status answer failed; answering from memory", jobId);
                return CurrentStatus();
            }

            if (!fresh.IsSuccess)
            {
                return new ErrorMessage("The job is gone.");
            }

            knownReadAt = now;
            if (fresh.Value.LastEventId >= known.LastEventId)
            {
                known = KnownJob.Of(fresh.Value);
            }
        }

        return CurrentStatus();
    }

    private StatusMessage CurrentStatus() => new(jobId, known.Status, known.Progress, known.LastEventId, known.UpdatedAt);

    private ValueTask AnswerAsync(string? type)
    {
        Answer(type);
        return ValueTask.CompletedTask;
    }

    private void Answer(string? type)
    {
        switch (type)
        {
            case "ping":
                Enqueue(new PongMessage(clock.GetUtcNow()));
                break;
            case "status":
                // Answered by the send loop, in order with the events before it, from the state they leave.
                Enqueue(StatusRequest.Instance);
                break;
            default:
                stats.Error();
                Enqueue(new ErrorMessage("Unknown message. Send ping or status, as text or as {\"type\": \"ping\"}."));
                break;
        }
    }

    private void Enqueue(object message)
    {
        if (!outgoing.Writer.TryWrite(message))
        {
            overflowed = true;
        }
    }

    public void Dispose() => link.Dispose();

    private Task SendAsync(object message) => link.SendAsync(message);

    private Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken) => link.CloseAsync(status, reason, cancellationToken);

    /// <summary>The job's state as this socket last read it, with the events it sent since applied.</summary>
    private record struct KnownJob(JobStatus Status, int Progress, long LastEventId, DateTimeOffset UpdatedAt)
    {
        public static KnownJob Of(JobSnapshotDto snapshot) => new(snapshot.Status, snapshot.Progress, snapshot.LastEventId, snapshot.UpdatedAt);
    }

    /// <summary>A client's <c>status</c>, answered in the send loop.</summary>
    private sealed class StatusRequest
    {
        public static readonly StatusRequest Instance = new();
    }
}
