using Aiprod.Api.Authentication;
using Aiprod.Domain.ApiKeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Aiprod.Bench.Http;

/// <summary>
/// Two reads that differ only in their authentication: both pass the whole real pipeline (exception handler,
/// headers, body limit, routing, authentication, rate limiter, authorization, MVC, JSON).
/// </summary>
[ApiController]
[Route("bench")]
public sealed class BenchController : ControllerBase
{
    private static readonly object Body = new { status = "ok" };

    [HttpGet("anonymous")]
    [AllowAnonymous]
    public IActionResult Anonymous() => Ok(Body);

    [HttpGet("authenticated")]
    [Authorize]
    public IActionResult Authenticated() => Ok(Body);

    [HttpGet("key-authenticated")]
    [RequireScope(ApiKeyScope.JobsRead)]
    public IActionResult KeyAuthenticated() => Ok(Body);

    /// <summary>
    /// The host's allocation, collections and compilation so far, for a bench's figures per operation (and to see
    /// whether the JIT was still at work in a measured phase).
    /// </summary>
    [HttpGet("memory")]
    [AllowAnonymous]
    public IActionResult Memory() => Ok(new
    {
        allocated_bytes = GC.GetTotalAllocatedBytes(precise: true),
        gen0 = GC.CollectionCount(0),
        gen1 = GC.CollectionCount(1),
        gen2 = GC.CollectionCount(2),
        methods_compiled = System.Runtime.JitInfo.GetCompiledMethodCount(),
        compilation_ms = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
    });
}

internal static class BenchSetup
{
    /// <summary>An API key (jobs:read) for the key bench.</summary>
    public static async Task AfterLoginAsync(HttpClient client, string accessToken, string outDir)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api-keys/create")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { name = "bench", scopes = new[] { "jobs:read" } }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var created = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content);
        await File.WriteAllTextAsync(Path.Combine(outDir, "api_key"), created.GetProperty("key").GetString());

        // For the WebSocket bench: a worker key and a job to follow.
        await File.WriteAllTextAsync(Path.Combine(outDir, "worker_key"), (await PostAsync(client, accessToken, "/api-keys/create", new { name = "bench worker", scopes = new[] { "pipeline:worker" } })).GetProperty("key").GetString());
        await File.WriteAllTextAsync(Path.Combine(outDir, "job_id"), (await PostAsync(client, accessToken, "/pipeline/run", new { content = "bench job", duration_sec = 600 })).GetProperty("job_id").GetString());
    }

    private static async Task<System.Text.Json.JsonElement> PostAsync(HttpClient client, string accessToken, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content);
    }
}
