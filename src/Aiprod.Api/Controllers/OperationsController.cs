using System.Reflection;
using Aiprod.Application.Abstractions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aiprod.Api.Controllers;

/// <summary>Service information, health and the public signing keys.</summary>
[AllowAnonymous]
public sealed class OperationsController(HealthCheckService health, ISigningKeys keys) : ApiControllerBase
{
    private static readonly string Version =
        typeof(OperationsController).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Name, version and links to the documentation and health endpoints.</summary>
    [HttpGet("/")]
    [ProducesResponseType<ServiceInfo>(StatusCodes.Status200OK)]
    public IActionResult Root() => Ok(new ServiceInfo(
        "Aiprod API",
        Version,
        new Dictionary<string, string>
        {
            ["docs"] = "/swagger",
            ["openapi"] = "/swagger/v1/swagger.json",
            ["health"] = "/health",
            ["ready"] = "/health/ready",
            ["jwks"] = "/.well-known/jwks.json",
        }));

    /// <summary>Liveness: the process is up and serving.</summary>
    [HttpGet("/health")]
    [ProducesResponseType<HealthReportDto>(StatusCodes.Status200OK)]
    public IActionResult Live() => Ok(new HealthReportDto("healthy", new Dictionary<string, string>()));

    /// <summary>
    /// Readiness: the database (and Redis, when configured) answer. Without Redis an instance still serves (limits
    /// count per instance, other instances learn of changes through the backstops), so it stays ready, "degraded".
    /// </summary>
    /// <response code="200">Every dependency answers ("healthy"), or all but Redis ("degraded").</response>
    /// <response code="503">The database does not answer.</response>
    [HttpGet("/health/ready")]
    [ProducesResponseType<HealthReportDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<HealthReportDto>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<IActionResult> Ready(CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains("ready"), cancellationToken);
        var body = new HealthReportDto(
            report.Status.ToString().ToLowerInvariant(),
            report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString().ToLowerInvariant()));
        return report.Status == HealthStatus.Unhealthy ? StatusCode(StatusCodes.Status503ServiceUnavailable, body) : Ok(body);
    }

    /// <summary>The public keys that verify our access tokens (RFC 7517), for other services.</summary>
    [HttpGet("/.well-known/jwks.json")]
    [ProducesResponseType<JwksDocument>(StatusCodes.Status200OK)]
    public IActionResult Jwks()
    {
        Response.Headers.CacheControl = "public, max-age=3600";
        return Ok(new JwksDocument([.. keys.PublicKeys.Select(k => new Jwk(k.Kty, k.Crv, k.X, k.Y, k.Kid, k.Use, k.Alg))]));
    }

    /// <summary>What this service is.</summary>
    public sealed record ServiceInfo(string Name, string Version, IReadOnlyDictionary<string, string> Links);

    /// <summary>Overall status and the status of each dependency.</summary>
    public sealed record HealthReportDto(string Status, IReadOnlyDictionary<string, string> Checks);

    /// <summary>A JSON Web Key Set.</summary>
    public sealed record JwksDocument(IReadOnlyList<Jwk> Keys);

    /// <summary>A public EC key (RFC 7518 §6.2).</summary>
    public sealed record Jwk(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);
}
