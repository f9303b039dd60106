using Aiprod.Api.Security;
using Aiprod.Api.Setup;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>What a security reviewer asks of the API: the headers it sends, checked, and the configuration in force.</summary>
[AllowAnonymous]
public sealed class SecurityReportController(SecurityHeaderReporter reporter, IEnumerable<SecurityPolicySection> sections) : ApiControllerBase
{
    /// <summary>
    /// The security headers the API sends, for its JSON answers (`api`) and for Swagger UI (`swagger_ui`), each with
    /// what a good value is, pass or fail and why, and an overall score and grade, as the MDN HTTP Observatory checks
    /// a site. Taken from the header middleware itself for a request like this one (scheme and host: HSTS is sent on
    /// HTTPS only).
    /// </summary>
    /// <response code="200">The report.</response>
    [HttpGet("security/headers")]
    [EnableRateLimiting(RateLimitPolicies.PublicRead)]
    [ProducesResponseType<SecurityHeadersReportDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Headers() => Ok(await reporter.ReportAsync(Request));

    /// <summary>
    /// The security configuration in force, read from the live options: token lifetimes and rotation, password rules
    /// and hashing, lockout, the API-key format, lifetimes and caps, every rate limit, socket and export limits. Never
    /// a secret (no key, connection string or password).
    /// </summary>
    /// <response code="200">One object per section.</response>
    [HttpGet("security/policy")]
    [EnableRateLimiting(RateLimitPolicies.PublicRead)]
    [SecurityPolicySchema]
    [ProducesResponseType<IReadOnlyDictionary<string, object>>(StatusCodes.Status200OK)]
    public IActionResult Policy() =>
        Ok(sections.ToDictionary(s => s.Name, s => s.Describe(HttpContext.RequestServices), StringComparer.Ordinal));
}
