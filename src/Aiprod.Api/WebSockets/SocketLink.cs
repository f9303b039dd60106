using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Aiprod.Api.WebSockets;

/// <summary>
/// What every live socket does the same way, whatever it follows (a job, an export): send JSON with a deadline,
/// close with a bounded wait, read client messages under the size limit, and close when the credential that opened
/// it no longer holds. <see cref="Open"/> before the first send; dispose after the last.
/// </summary>
internal sealed class SocketLink(WebSocket socket, JobSocketOptions options, WebSocketStats stats, JsonSerializerOptions json, TimeProvider clock, ILogger logger) : IDisposable
{
    private SendDeadline? sendDeadline;

    /// <summary>The socket's token: sends stop with it.</summary>
    public CancellationToken SendToken { get; private set; }

    /// <summary>Starts sending: every send ends with <paramref name="stop"/>, or at its deadline.</summary>
    public void Open(CancellationToken stop)
    {
        SendToken = stop;
        sendDeadline = new SendDeadline(options.SendTimeout, clock, stop);
    }

    /// <summary>Sends <paramref name="message"/> as JSON, serialized for this socket alone.</summary>
    public Task SendAsync(object message) => SendJsonAsync(JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), json));

    /// <summary>
    /// Sends a message already serialized: the bytes may be shared with every other socket sending the same
    /// message, since a send only reads them (they are never changed once serialized, and never pooled).
    /// </summary>
    public async Task SendJsonAsync(ReadOnlyMemory<byte> utf8Json)
    {
        var deadline = sendDeadline ?? throw new InvalidOperationException("Open the link before sending.");
        if (!await deadline.WaitAsync(socket.SendAsync(utf8Json, WebSocketMessageType.Text, endOfMessage: true, deadline.Token)))
        {
            // A client that stopped reading: its TCP window is full and this send would wait forever.
            socket.Abort();
            stats.Error();
            logger.LogInformation("Dropped a socket whose client took nothing for {Timeout}", options.SendTimeout);
            throw new OperationCanceledException("The client stopped reading.", SendToken);
        }

        stats.Sent();
    }

    public async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            // A close frame waits behind a blocked send and for the same full window: bounded the same way.
            using var timeout = new CancellationTokenSource(options.SendTimeout, clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await socket.CloseOutputAsync(status, reason, linked.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                if (timeout.IsCancellationRequested)
                {
                    socket.Abort();
                }

                logger.LogDebug(ex, "Closing a socket failed");
            }
        }
    }

    /// <summary>
    /// Reads client messages until the client closes, and hands each to <paramref name="answer"/> by its type
    /// (<c>ping</c>, <c>status</c>, as text or <c>{"type": …}</c>; null for anything else).
    /// </summary>
    public async Task ReceiveLoopAsync(Func<string?, ValueTask> answer, CancellationToken cancellationToken)
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

            // Answered before the next message is read: a client that floods is slowed to the pace of its answers.
            await answer(MessageType(result.MessageType == WebSocketMessageType.Text ? Encoding.UTF8.GetString(message.WrittenSpan) : null));
        }
    }

    public async Task WatchCredentialAsync(ICredentialWatch credential, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.CredentialCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (!await credential.StillValidAsync(cancellationToken))
            {
                await CloseAsync(WebSocketCloseStatus.PolicyViolation, "The credential expired or was revoked.", cancellationToken);
                return;
            }
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

    public void Dispose() => sendDeadline?.Dispose();
}
