using System.Net.WebSockets;
using System.Text.Json.Serialization;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Application.Exports.Queries.GetExportState;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Api.WebSockets;

/// <summary>
/// One client following one export: <c>connected</c> with the export's state, then <c>progress</c> when its counts
/// move and <c>state_changed</c> when its status does, each with the state (not the request's job ids and columns);
/// the socket closes (1000) once the export ended (succeeded, failed, cancelled, expired). The export is read again
/// every <see cref="JobSocketOptions.ExportPollInterval"/>, in a scope of its own. The client may send <c>ping</c> and
/// <c>status</c>.
/// </summary>
internal sealed class ExportSocketSession(
    WebSocket socket,
    UserId ownerId,
    ExportId exportId,
    ICredentialWatch credential,
    IServiceScopeFactory scopes,
    WebSocketStats stats,
    JobSocketOptions options,
    System.Text.Json.JsonSerializerOptions json,
    TimeProvider clock,
    ILogger logger) : IDisposable
{
    private readonly SocketLink link = new(socket, options, stats, json, clock, logger);

    // The poll and the client's messages both send; a WebSocket allows one send at a time.
    private readonly SemaphoreSlim sending = new(1, 1);

    private ExportStateDto known = null!;

    // A stalled database is logged once, when the reads start failing, not at every poll of every socket.
    private bool failing;

    public async Task RunAsync(ExportStateDto first, CancellationToken aborted)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        link.Open(cts.Token);
        known = first;
        await SendAsync("connected", known);
        if (Ended(known.Status))
        {
            await link.CloseAsync(WebSocketCloseStatus.NormalClosure, "The export ended.", cts.Token);
            return;
        }

        var polling = PollAsync(cts.Token);
        var receiving = link.ReceiveLoopAsync(AnswerAsync, cts.Token);
        var watching = link.WatchCredentialAsync(credential, cts.Token);
        await Task.WhenAny(polling, receiving, watching);
        await cts.CancelAsync();
        try
        {
            await Task.WhenAll(polling, receiving, watching);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The socket ended; whichever loop noticed first has already closed or aborted it.
        }
    }

    private static bool Ended(ExportStatus status) => status is not (ExportStatus.Queued or ExportStatus.Running);

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.ExportPollInterval, clock);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            Result<ExportStateDto> read;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                read = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetExportStateQuery(ownerId, exportId), cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                // The host is shutting down under this socket: nothing left to read with.
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database stalled: the next tick asks again; the socket stays.
                if (!failing)
                {
                    failing = true;
                    logger.LogWarning(ex, "Reading export {ExportId} for its socket failed; retrying every poll", exportId);
                }

                continue;
            }

            failing = false;

            if (!read.IsSuccess)
            {
                await SendAsync("error", null, "The export is gone.");
                await link.CloseAsync(WebSocketCloseStatus.PolicyViolation, "The export is gone.", cancellationToken);
                return;
            }

            // Remembered once sent, so that a status answer never tells the client of a change before its message.
            var fresh = read.Value;
            if (fresh.Status != known.Status)
            {
                await SendAsync("state_changed", fresh);
            }
            else if (fresh.Progress != known.Progress)
            {
                await SendAsync("progress", fresh);
            }

            known = fresh;

            if (Ended(fresh.Status))
            {
                await link.CloseAsync(WebSocketCloseStatus.NormalClosure, "The export ended.", cancellationToken);
                return;
            }
        }
    }

    private async ValueTask AnswerAsync(string? type)
    {
        try
        {
            switch (type)
            {
                case "ping":
                    await SendAsync("pong", null);
                    break;
                case "status":
                    await SendAsync("status", known);
                    break;
                default:
                    stats.Error();
                    await SendAsync("error", null, "Unknown message. Send ping or status, as text or as {\"type\": \"ping\"}.");
                    break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The socket is going; the loops end with it.
        }
    }

    public void Dispose()
    {
        link.Dispose();
        sending.Dispose();
    }

    private async Task SendAsync(string type, ExportStateDto? export, string? message = null)
    {
        await sending.WaitAsync(link.SendToken);
        try
        {
            await link.SendAsync(new ExportSocketMessage(type, exportId, export, message, clock.GetUtcNow()));
        }
        finally
        {
            sending.Release();
        }
    }
}

/// <summary>A message on an export socket: its type, and the export's state.</summary>
internal sealed record ExportSocketMessage(
    string Type,
    ExportId ExportId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ExportStateDto? Export,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message,
    DateTimeOffset At);
