using System.Runtime.CompilerServices;

namespace Aiprod.Browser.Tests.Infrastructure;

/// <summary>No browser can run here; tests that meet it are reported as skipped with its message.</summary>
public sealed class BrowserUnavailableException(string message) : Exception(message);

/// <summary>A test that needs a browser: skipped, with the reason, where <see cref="BrowserLocator"/> finds none.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        SkipExceptions = [typeof(BrowserUnavailableException)];
    }
}
