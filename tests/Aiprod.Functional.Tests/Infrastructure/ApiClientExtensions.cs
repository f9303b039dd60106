using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aiprod.Functional.Tests.Infrastructure;

public static class ApiClientExtensions
{
    public const string DefaultPassword = "correct horse battery staple";

    public static async Task<JsonObject> RegisterAsync(this HttpClient client, string email, string password = DefaultPassword, string? displayName = null)
    {
        var response = await client.PostAsJsonAsync("/auth/register", new { email, password, display_name = displayName });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    public static async Task<string> LoginAsync(this HttpClient client, string email, string password = DefaultPassword)
    {
        var response = await client.PostAsJsonAsync("/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync())["access_token"]!.GetValue<string>();
    }

    /// <summary>Logs in and returns the whole token answer (access and refresh tokens).</summary>
    public static async Task<JsonObject> LoginForTokensAsync(this HttpClient client, string email, string password = DefaultPassword)
    {
        var response = await client.PostAsJsonAsync("/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refreshToken });

    public static Task<HttpResponseMessage> SendWithTokenAsync(this HttpClient client, HttpMethod method, string url, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, url).WithBearer(token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return client.SendAsync(request);
    }

    public static string Str(this JsonObject json, string name) => json[name]!.GetValue<string>();

    /// <summary>
    /// Polls a condition that another instance makes true asynchronously (a Redis message), for at most two
    /// seconds: far below any backstop interval, so only the fast path can satisfy it.
    /// </summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 40; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>Creates a key for the token's user; returns the whole answer (key and api_key).</summary>
    public static async Task<JsonObject> CreateApiKeyAsync(this HttpClient client, string token, object? body = null)
    {
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, body ?? new { name = "test key" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    public static Task<HttpResponseMessage> GetWithKeyAsync(this HttpClient client, string url, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-API-Key", key);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostWithKeyAsync(this HttpClient client, string url, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-API-Key", key);
        return client.SendAsync(request);
    }

    public static async Task<string> RegisterAndLoginAsync(this HttpClient client, string email)
    {
        await client.RegisterAsync(email);
        return await client.LoginAsync(email);
    }

    public static HttpRequestMessage WithBearer(this HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static Task<HttpResponseMessage> GetWithTokenAsync(this HttpClient client, string url, string token) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, url).WithBearer(token));

    public static async Task<JsonObject> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text)?.AsObject() ?? throw new JsonException("Empty body");
    }

    /// <summary>Asserts an RFC 9457 answer with the given status and problem type code, and returns its body.</summary>
    public static async Task<JsonObject> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(problem["trace_id"]?.GetValue<string>()), "problem details must carry a trace_id");
        if (code is not null)
        {
            Assert.Equal("urn:aiprod:problem:" + code, problem["type"]?.GetValue<string>());
        }

        return problem;
    }
}
