using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Application.Accounts.Commands.PromoteToAdmin;
using Mediator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>Owners, workers and sockets for the job tests.</summary>
public static class JobTestKit
{
    public static async Task<string> SubmitAsync(this HttpClient client, string token, object? body = null)
    {
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token, body ?? new { content = "A 30 second teaser for a coffee brand", preset = "quick_social" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).Str("job_id");
    }

    public static async Task<string> WorkerKeyAsync(this HttpClient client, string token) =>
        (await client.CreateApiKeyAsync(token, new { name = "gpu worker", scopes = new[] { "pipeline:worker" } })).Str("key");

    public static async Task<HttpResponseMessage> WorkerPostAsync(this HttpClient client, string key, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("X-API-Key", key);
        return await client.SendAsync(request);
    }

    public static async Task<JsonObject?> ClaimAsync(this HttpClient client, string workerKey, int? leaseSeconds = null)
    {
        var response = await client.WorkerPostAsync(workerKey, "/pipeline/worker/claim", new { lease_seconds = leaseSeconds });
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    public static async Task PromoteAsync(AiprodApiFactory factory, string email)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.True((await scope.ServiceProvider.GetRequiredService<ISender>().Send(new PromoteToAdminCommand(email))).IsSuccess);
    }

    /// <summary>Registers an account, makes it an admin and returns its access token.</summary>
    public static async Task<string> RegisterAdminAsync(AiprodApiFactory factory, HttpClient client, string email = "ops@example.com")
    {
        await client.RegisterAsync(email);
        await PromoteAsync(factory, email);
        return await client.LoginAsync(email);
    }

    public static async Task<WebSocket> ConnectAsync(WebApplicationFactory<Program> factory, string jobId, string? accessToken = null, string? apiKey = null, long? lastEventId = null, string? origin = null)
    {
        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request =>
        {
            if (apiKey is not null)
            {
                request.Headers["X-API-Key"] = apiKey;
            }

            if (origin is not null)
            {
                request.Headers.Origin = origin;
            }
        };
        var query = new List<string>();
        if (accessToken is not null)
        {
            query.Add("access_token=" + Uri.EscapeDataString(accessToken));
        }

        if (lastEventId is not null)
        {
            query.Add("last_event_id=" + lastEventId);
        }

        var uri = new Uri(factory.Server.BaseAddress, $"ws/job/{jobId}" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty));
        return await client.ConnectAsync(new UriBuilder(uri) { Scheme = "ws" }.Uri, CancellationToken.None);
    }

    /// <summary>A host on loopback Kestrel, for tests that need real TCP sockets (a full window, a dropped connection).</summary>
    public static Uri StartOnKestrel(this AiprodApiFactory factory)
    {
        factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        return new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>
    /// A real <see cref="ClientWebSocket"/> over TCP, or the handshake's status when it is refused. A
    /// <paramref name="receiveBufferBytes"/> fixes the client's TCP receive window (no autotuning), so a client that
    /// stops reading fills it after a few kilobytes.
    /// </summary>
    public static async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> ConnectOverTcpAsync(Uri server, string jobId, string accessToken, int? receiveBufferBytes = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (receiveBufferBytes is { } bytes)
                {
                    tcp.ReceiveBufferSize = bytes;
                }

                try
                {
                    await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(tcp, ownsSocket: true);
                }
                catch
                {
                    tcp.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(new Uri(server, $"ws/job/{jobId}?access_token={Uri.EscapeDataString(accessToken)}")) { Scheme = "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(uri, invoker, TestContext.Current.CancellationToken);
            return (socket, HttpStatusCode.SwitchingProtocols);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    /// <summary>A WebSocket handshake sent as a plain request, to read the body of a refusal.</summary>
    public static Task<HttpResponseMessage> HandshakeAsync(this HttpClient client, string jobId, string accessToken) =>
        client.HandshakeToAsync($"/ws/job/{jobId}", accessToken);

    /// <summary>A WebSocket handshake to <paramref name="path"/> sent as a plain request, to read the body of a refusal.</summary>
    public static Task<HttpResponseMessage> HandshakeToAsync(this HttpClient client, string path, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{path}?access_token={Uri.EscapeDataString(accessToken)}");
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        return client.SendAsync(request);
    }

    /// <summary>The next JSON message, or null when the server closed the socket. Bounded: a missing message fails the test, never hangs it.</summary>
    public static async Task<JsonObject?> ReceiveAsync(this WebSocket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[128 * 1024];
        var length = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
        }
        while (!result.EndOfMessage);

        return JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length))!.AsObject();
    }

    public static async Task<JsonObject> ReceiveTypeAsync(this WebSocket socket, string type)
    {
        while (true)
        {
            var message = await socket.ReceiveAsync() ?? throw new InvalidOperationException($"The socket closed while waiting for {type}.");
            if (message.Str("type") == type)
            {
                return message;
            }
        }
    }

    public static Task SendTextAsync(this WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
}
