namespace Aiprod.Api.Security;

/// <summary>A parsed CSP header: directive name → sources (CSP Level 3 §2.2: the first occurrence of a directive counts).</summary>
public sealed class ContentSecurityPolicy
{
    private static readonly HashSet<string> FetchDirectives =
    [
        "script-src", "style-src", "img-src", "connect-src", "font-src", "object-src", "media-src", "frame-src",
        "child-src", "worker-src", "manifest-src",
    ];

    private ContentSecurityPolicy(IReadOnlyDictionary<string, string[]> directives) => Directives = directives;

    public IReadOnlyDictionary<string, string[]> Directives { get; }

    public static ContentSecurityPolicy? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var directives = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var tokens = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            directives.TryAdd(tokens[0].ToLowerInvariant(), tokens[1..]);
        }

        return directives.Count == 0 ? null : new ContentSecurityPolicy(directives);
    }

    /// <summary>The sources a fetch directive allows: its own, or default-src's when it is not given.</summary>
    public IReadOnlyList<string> Effective(string directive) =>
        Directives.TryGetValue(directive, out var own) ? own
        : FetchDirectives.Contains(directive) && Directives.TryGetValue("default-src", out var fallback) ? fallback
        : [];
}
