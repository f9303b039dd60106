using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Application.Jobs.Queries;
using Mediator;

namespace Aiprod.Api.WebSockets;

/// <summary>Whether the credential that opened a socket still holds (token not expired, session or key not revoked).</summary>
public interface ICredentialWatch
{
    ValueTask<bool> StillValidAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One client following one job. On connect: <c>connected</c> with the job's state; then, for a client that
/// passed <c>last_event_id</c>, the events it missed, from the stored history; then live events as they are
/// committed. The client may send <c>ping</c> and <c>status</c>, as plain text or as <c>{"type": …}</c>.
/// </summary>
internal sealed class JobSocketSession(
    WebSocket socket,
    Guid ownerId,
    Guid jobId,
    ICredentialWatch credential,
    IJobEventBus bus,
    ISender sender,
    WebSocketStats stats,
    JobSocketOptions options,
    ILogger logger)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly Channel<object> outgoing = Channel.CreateBounded<object>(new BoundedChannelOptions(options.SendQueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private long lastSent;
    private volatile bool overflowed;

    public async Task RunAsync(long? lastEventId, CancellationToken aborted)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        // Subscribe before reading the state, so nothing committed in between is missed; duplicates are skipped by id.
        using var subscription = bus.Subscribe(jobId, e =>
        {
            if (!outgoing.Writer.TryWrite(e))
            {
                overflowed = true;
            }
        });

        var snapshot = await sender.Send(new GetJobSnapshotQuery(ownerId, jobId), cts.Token);
        if (!snapshot.IsSuccess)
        {
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, "The job is gone.", cts.Token);
            return;
        }

        await SendAsync(new { type = "connected", job_id = jobId, status = snapshot.Value.Status, progress = snapshot.Value.Progress, event_id = snapshot.Value.LastEventId, updated_at = snapshot.Value.UpdatedAt }, cts.Token);
        lastSent = snapshot.Value.LastEventId;
        if (lastEventId is { } resumeAfter && resumeAfter < snapshot.Value.LastEventId)
        {
            var missed = await sender.Send(new GetJobEventsQuery(ownerId, jobId, resumeAfter), cts.Token);
            foreach (var e in missed.Value ?? [])
            {
                await SendAsync(e, cts.Token);
                lastSent = Math.Max(lastSent, e.EventId);
            }
        }

        var sending = SendLoopAsync(cts.Token);
        var receiving = ReceiveLoopAsync(cts.Token);
        var watching = WatchCredentialAsync(cts.Token);
        await Task.WhenAny(sending, receiving, watching);
        await cts.CancelAsync();
        try
        {
            await Task.WhenAll(sending, receiving, watching);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ChannelClosedException or IOException)
        {
            // The socket ended; whichever loop noticed first has already closed it.
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in outgoing.Reader.ReadAllAsync(cancellationToken))
        {
            if (overflowed)
            {
                await CloseAsync(WebSocketCloseStatus.PolicyViolation, "Too slow to keep up; reconnect with last_event_id.", cancellationToken);
                return;
            }

            if (message is JobEventDto e)
            {
                if (e.EventId <= lastSent)
                {
                    continue;
                }

                lastSent = e.EventId;
            }

            await SendAsync(message, cancellationToken);
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        // Client messages are a few bytes ("ping"): a small buffer per socket, grown only for a message that
        // spans several frames, and never past the limit. A 64 KB buffer held by each of thousands of idle
        // sockets would be most of the instance's memory.
        var chunk = new byte[1024];
        var message = new ArrayBufferWriter<byte>(1024);
        while (socket.State == WebSocketState.Open)
        {
            message.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(chunk.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, "Bye.", cancellationToken);
                    return;
                }

                if (message.WrittenCount + result.Count > options.MaxMessageBytes)
                {
                    // Stop reading the rest of it: the limit is what protects our memory.
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {options.MaxMessageBytes / 1024} KB.", cancellationToken);
                    return;
                }

                message.Write(chunk.AsSpan(0, result.Count));
            }
            while (!result.EndOfMessage);

            await AnswerAsync(result.MessageType == WebSocketMessageType.Text ? Encoding.UTF8.GetString(message.WrittenSpan) : null, cancellationToken);
        }
    }

    private async Task AnswerAsync(string? text, CancellationToken cancellationToken)
    {
        switch (MessageType(text))
        {
            case "ping":
                Enqueue(new { type = "pong", at = DateTimeOffset.UtcNow });
                break;
            case "status":
                var snapshot = await sender.Send(new GetJobSnapshotQuery(ownerId, jobId), cancellationToken);
                Enqueue(snapshot.IsSuccess
                    ? new { type = "status", job_id = jobId, status = snapshot.Value.Status, progress = snapshot.Value.Progress, event_id = snapshot.Value.LastEventId, updated_at = snapshot.Value.UpdatedAt }
                    : (object)new { type = "error", message = "The job is gone." });
                break;
            default:
                stats.Error();
                Enqueue(new { type = "error", message = "Unknown message. Send ping or status, as text or as {\"type\": \"ping\"}." });
                break;
        }
    }

    private static string? MessageType(string? text)
    {
        var trimmed = text?.Trim();
        if (trimmed is "ping" or "status")
        {
            return trimmed;
        }

        if (trimmed is null || !trimmed.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(trimmed);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                ? type.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task WatchCredentialAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.CredentialCheckInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (!await credential.StillValidAsync(cancellationToken))
            {
                await CloseAsync(WebSocketCloseStatus.PolicyViolation, "The credential expired or was revoked.", cancellationToken);
                return;
            }
        }
    }

    private void Enqueue(object message)
    {
        if (!outgoing.Writer.TryWrite(message))
        {
            overflowed = true;
        }
    }

    private async Task SendAsync(object message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), Json);
        await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        stats.Sent();
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await socket.CloseOutputAsync(status, reason, cancellationToken);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                logger.LogDebug(ex, "Closing a job socket failed");
            }
        }
    }
}
