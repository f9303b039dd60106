using Aiprod.Browser.Tests.Infrastructure;

namespace Aiprod.Browser.Tests;

public sealed class BrowserLocatorTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("aiprod-browser-locator-");

    [Fact]
    public void TheFirstKnownNameOnPath_IsUsed()
    {
        var empty = Directory.CreateDirectory(Path.Combine(folder.FullName, "empty")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(folder.FullName, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "google-chrome"), string.Empty);
        File.WriteAllText(Path.Combine(bin, "chromium-browser"), string.Empty);

        var found = BrowserLocator.Find(null, string.Join(Path.PathSeparator, empty, bin), out _);

        Assert.Equal(Path.Combine(bin, "chromium-browser"), found);
    }

    [Fact]
    public void TheOverride_IsTheOnlyCandidate_AndAMissingOneIsTheReason()
    {
        var bin = folder.FullName;
        File.WriteAllText(Path.Combine(bin, "chromium"), string.Empty);
        var missing = Path.Combine(bin, "no-such-browser");

        Assert.Null(BrowserLocator.Find(missing, bin, out var reason));
        Assert.Contains(missing, reason, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(bin, "chromium"), BrowserLocator.Find(Path.Combine(bin, "chromium"), null, out _));
    }

    [Fact]
    public void NoBrowserAnywhere_GivesTheReasonTheTestsAreSkipped()
    {
        Assert.Null(BrowserLocator.Find(null, folder.FullName, out var reason));
        Assert.Contains("apt-get install chromium", reason, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
