using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Application.Accounts.Commands.PromoteToAdmin;
using Mediator;
using Microsoft.AspNetCore.TestHost;
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

    public static async Task<WebSocket> ConnectAsync(AiprodApiFactory factory, string jobId, string? accessToken = null, string? apiKey = null, long? lastEventId = null, string? origin = null)
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
