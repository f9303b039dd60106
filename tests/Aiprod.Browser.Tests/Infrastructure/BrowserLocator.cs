namespace Aiprod.Browser.Tests.Infrastructure;

/// <summary>
/// Finds the Chromium the suite drives. Playwright's own browser download cannot reach its host here, so the suite
/// uses a system browser by path: <see cref="OverrideVariable"/> when set, otherwise the first of the usual names on
/// <c>PATH</c>.
/// </summary>
public static class BrowserLocator
{
    /// <summary>An explicit browser executable; when set it is the only one tried.</summary>
    public const string OverrideVariable = "AIPROD_BROWSER_PATH";

    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    /// <summary>The executable, or null with the reason every browser test is skipped.</summary>
    public static string? Find(out string reason) => Find(Environment.GetEnvironmentVariable(OverrideVariable), Environment.GetEnvironmentVariable("PATH"), out reason);

    public static string? Find(string? overridePath, string? searchPath, out string reason)
    {
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            reason = $"{OverrideVariable} is set to '{overridePath}', which is not an existing file.";
            return File.Exists(overridePath) ? overridePath : null;
        }

        foreach (var folder in (searchPath ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in Names)
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    reason = string.Empty;
                    return candidate;
                }
            }
        }

        reason = $"No Chromium found: none of {string.Join(", ", Names)} is on PATH and {OverrideVariable} is not set " +
            "(apt-get install chromium; Playwright's own browser download is not used).";
        return null;
    }
}
