namespace Aiprod.Api.Csrf;

/// <summary>Which checks of the <see cref="CsrfGuard"/> a route runs; the later includes the earlier.</summary>
public enum CsrfChecks
{
    /// <summary>Fetch Metadata or <c>Origin</c> only: a cookie request whose session is not known (a login, a dead cookie).</summary>
    Site = 1,

    /// <summary>The site check and the session-bound token in <c>X-CSRF-Token</c>.</summary>
    SiteAndToken = 2,
}

/// <summary>
/// Marks a route on which the <see cref="CsrfGuard"/> runs (the guard refuses to run anywhere else), and so the routes
/// whose 403 the OpenAPI document names the CSRF refusals on (<c>PipelineProblems.CsrfRefusals</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CsrfGuardedAttribute(CsrfChecks checks) : Attribute
{
    public CsrfChecks Checks { get; } = checks;
}
