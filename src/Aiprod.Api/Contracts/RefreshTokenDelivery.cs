namespace Aiprod.Api.Contracts;

/// <summary>Where a login or refresh puts the new refresh token.</summary>
public enum RefreshTokenDelivery
{
    /// <summary>In the JSON body, for clients that keep it themselves.</summary>
    Body,

    /// <summary>
    /// Browser mode: in the <c>__Host-aiprod-refresh</c> cookie (HttpOnly, Secure, SameSite=Strict, Path=/), never in
    /// the body, so the page's script (and an XSS in it) cannot read it.
    /// </summary>
    Cookie,
}
