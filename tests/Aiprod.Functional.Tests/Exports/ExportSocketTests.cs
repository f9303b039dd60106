using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Exports;

/// <summary><c>/ws/export/{export_id}</c>: an export followed live, to its end.</summary>
public sealed class ExportSocketTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFollower_SeesQueuedRunningProgressAndSucceeded_InOrder_ThenTheSocketCloses()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var gate = new SemaphoreSlim(0);
        var exporter = new ScriptedExporter { Gate = gate, Chunks = 4 };
        await using var factory = new AiprodApiFactory(clock: clock, replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann);

        using var socket = await ConnectAsync(factory, id, accessToken: ann);
        await using var reader = SocketReader.Start(socket);
        var connected = await reader.NextAsync(() => { });
        Assert.Equal(("connected", id, "queued"), (connected.Str("type"), connected.Str("export_id"), connected["export"]!.AsObject().Str("status")));

        await factory.RunExportRoundAsync();
        await exporter.FirstChunkWritten.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var running = await reader.NextAsync(() => clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(("state_changed", "running"), (running.Str("type"), running["export"]!.AsObject().Str("status")));

        // One more chunk is let go; the gate holds the rest, so the export is still running when its progress,
        // saved by the runner's watch, reaches the socket (earlier saves of the first chunk may come first).
        gate.Release();
        JsonObject progress;
        do
        {
            progress = await reader.NextAsync(() => clock.Advance(TimeSpan.FromSeconds(1)));
            Assert.Equal(("progress", "running"), (progress.Str("type"), progress["export"]!.AsObject().Str("status")));
        }
        while (progress["export"]!["progress"]!["jobs_written"]!.GetValue<int>() < 2);

        // The rest: progress messages may or may not catch the last chunks, but the counts only rise, and the last
        // message is the end.
        gate.Release(exporter.Chunks);
        var seen = 2;
        JsonObject done;
        while ((done = await reader.NextAsync(() => clock.Advance(TimeSpan.FromSeconds(1)))).Str("type") == "progress")
        {
            var written = done["export"]!["progress"]!["jobs_written"]!.GetValue<int>();
            Assert.True(written >= seen, $"progress went from {seen} back to {written}");
            seen = written;
        }

        Assert.Equal(("state_changed", "succeeded"), (done.Str("type"), done["export"]!.AsObject().Str("status")));
        Assert.Equal($"/exports/{id}/download", done["export"]!.AsObject().Str("download_url"));
        Assert.Equal(64, done["export"]!.AsObject().Str("sha256").Length);
        await reader.ClosedAsync(() => clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task CancellingTheExport_IsSeenAsStateChanged_AndClosesTheSocket_AndPingAndStatusAreAnswered()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new AiprodApiFactory(clock: clock, replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann);
        using var socket = await ConnectAsync(factory, id, accessToken: ann);
        await using var reader = SocketReader.Start(socket);
        Assert.Equal("connected", (await reader.NextAsync(() => { })).Str("type"));

        await socket.SendTextAsync("ping");
        Assert.Equal("pong", (await reader.NextAsync(() => { })).Str("type"));
        await socket.SendTextAsync("""{"type":"status"}""");
        var status = await reader.NextAsync(() => { });
        Assert.Equal(("status", "queued"), (status.Str("type"), status["export"]!.AsObject().Str("status")));
        await socket.SendTextAsync("hello");
        Assert.Equal("error", (await reader.NextAsync(() => { })).Str("type"));

        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/exports/{id}/cancel", ann)).StatusCode);
        var cancelled = await reader.NextAsync(() => clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(("state_changed", "cancelled"), (cancelled.Str("type"), cancelled["export"]!.AsObject().Str("status")));
        await reader.ClosedAsync(() => clock.Advance(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task AnExportThatAlreadyEnded_IsSentOnce_WithoutItsJobIds_AndTheSocketCloses()
    {
        await using var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann, new { format = "json", job_ids = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToArray() });
        await factory.RunExportRoundAsync();
        await client.WaitForExportAsync(ann, id, "succeeded");

        using var socket = await ConnectAsync(factory, id, accessToken: ann);
        await using var reader = SocketReader.Start(socket);
        var connected = await reader.NextAsync(() => { });
        Assert.Equal(("connected", "succeeded"), (connected.Str("type"), connected["export"]!.AsObject().Str("status")));
        Assert.False(connected["export"]!.AsObject().ContainsKey("job_ids"), connected.ToJsonString());
        Assert.Equal($"/exports/{id}/download", connected["export"]!.AsObject().Str("download_url"));
        await reader.ClosedAsync(() => { });
    }

    [Fact]
    public async Task AnotherUsersExport_Is404_AKeyNeedsExportsRead()
    {
        await using var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var server = factory.StartOnKestrel();
        using var client = new HttpClient { BaseAddress = server };
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann);
        var bob = await client.RegisterAndLoginAsync("bob@example.com");

        await (await client.HandshakeToAsync($"/ws/export/{id}", bob)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        await (await client.HandshakeToAsync($"/ws/export/{Guid.NewGuid()}", ann)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");

        var exportsKey = (await client.CreateApiKeyAsync(ann, new { name = "exports", scopes = new[] { "exports:read" } })).Str("key");
        var jobsKey = (await client.CreateApiKeyAsync(ann, new { name = "jobs", scopes = new[] { "jobs:read" } })).Str("key");
        var (socket, status) = await ConnectWithKeyAsync(server, id, exportsKey);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using (socket)
        {
            await using var reader = SocketReader.Start(socket!);
            Assert.Equal("connected", (await reader.NextAsync(() => { })).Str("type"));
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await ConnectWithKeyAsync(server, id, jobsKey)).Status);
    }

    private static async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> ConnectWithKeyAsync(Uri server, string exportId, string apiKey)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-API-Key", apiKey);
        try
        {
            await socket.ConnectAsync(new UriBuilder(new Uri(server, $"ws/export/{exportId}")) { Scheme = "ws" }.Uri, Ct);
            return (socket, HttpStatusCode.SwitchingProtocols);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    private static async Task<WebSocket> ConnectAsync(WebApplicationFactory<Program> factory, string exportId, string? accessToken = null, string? apiKey = null)
    {
        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request =>
        {
            if (apiKey is not null)
            {
                request.Headers["X-API-Key"] = apiKey;
            }
        };
        var query = accessToken is null ? string.Empty : "?access_token=" + Uri.EscapeDataString(accessToken);
        var uri = new Uri(factory.Server.BaseAddress, $"ws/export/{exportId}{query}");
        return await client.ConnectAsync(new UriBuilder(uri) { Scheme = "ws" }.Uri, Ct);
    }

    /// <summary>
    /// Reads the socket on a task of its own, so the test can step the host's clock while it waits for a message
    /// (a receive cancelled by a timeout would abort the socket). Bounded: a message that never comes fails the test.
    /// </summary>
    private sealed class SocketReader : IAsyncDisposable
    {
        private readonly Channel<JsonObject?> messages = Channel.CreateUnbounded<JsonObject?>();
        private Task loop = Task.CompletedTask;

        public static SocketReader Start(WebSocket socket)
        {
            var reader = new SocketReader();
            reader.loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var message = await socket.ReceiveAsync(TimeSpan.FromMinutes(5));
                        await reader.messages.Writer.WriteAsync(message);
                        if (message is null)
                        {
                            return;
                        }
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
                {
                    reader.messages.Writer.TryComplete(ex);
                }
            });
            return reader;
        }

        /// <summary>The next message; <paramref name="step"/> runs between looks (to move the host's clock).</summary>
        public async Task<JsonObject> NextAsync(Action step)
        {
            var message = await WaitAsync(step);
            return message ?? throw new InvalidOperationException("The socket closed while a message was awaited.");
        }

        public async Task ClosedAsync(Action step)
        {
            var message = await WaitAsync(step);
            Assert.True(message is null, $"Expected the socket to close, got {message?.ToJsonString()}");
        }

        private async Task<JsonObject?> WaitAsync(Action step)
        {
            for (var i = 0; i < 500; i++)
            {
                if (messages.Reader.TryRead(out var message))
                {
                    return message;
                }

                step();
                await Task.Delay(20, Ct);
            }

            throw new TimeoutException("No message came.");
        }

        public async ValueTask DisposeAsync()
        {
            await Task.WhenAny(loop, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
        }
    }
}
