namespace Aiprod.Application.Sessions;

/// <summary>Configuration section <c>Csrf</c>: the tokens that browser-mode (refresh cookie) requests must carry.</summary>
public sealed class CsrfOptions
{
    public const string SectionName = "Csrf";

    /// <summary>The shortest key accepted: HMAC-SHA256's own output size.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>
    /// Base64 of the HMAC-SHA256 key (at least 32 bytes). When empty, a key is generated once into the data folder,
    /// as the JWT signing key is; every instance must share it, so set it wherever more than one instance runs.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>How long a token is accepted after it was issued.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>
    /// Browser origins (<c>https://app.example.com</c>) allowed to send cookie-authenticated requests besides the API's
    /// own origin; read only when a request has no <c>Sec-Fetch-Site</c> header.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public static bool IsValidKey(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return true;
        }

        var buffer = new byte[configured.Length];
        return Convert.TryFromBase64String(configured.Trim(), buffer, out var written) && written >= MinKeyBytes;
    }

    public static bool IsValidOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
        && !origin.EndsWith('/');
}
