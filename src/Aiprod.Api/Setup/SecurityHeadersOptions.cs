namespace Aiprod.Api.Setup;

/// <summary>Configuration section <c>SecurityHeaders</c>: the parts of the header policy an operator may need to change.</summary>
public sealed class SecurityHeadersOptions
{
    public const string SectionName = "SecurityHeaders";

    /// <summary>HSTS <c>max-age</c>; the MDN HTTP Observatory wants at least six months, a year is the usual choice.</summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    public bool HstsIncludeSubDomains { get; set; } = true;

    /// <summary>Off by default: preloading is a commitment for the whole domain that only its owner can make.</summary>
    public bool HstsPreload { get; set; }

    /// <summary>Hosts that never get HSTS (a developer's browser would otherwise pin HTTPS for <c>localhost</c>).</summary>
    public string[] HstsExcludedHosts { get; set; } = ["localhost", "127.0.0.1", "[::1]"];
}
