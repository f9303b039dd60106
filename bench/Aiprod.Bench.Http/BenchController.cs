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
}

internal static class BenchSetup
{
    /// <summary>Extra credentials for the benches that need them (an API key, once keys exist).</summary>
    public static Task AfterLoginAsync(HttpClient client, string accessToken, string outDir) => Task.CompletedTask;
}
