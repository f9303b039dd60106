using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace Aiprod.Browser.Tests.Infrastructure;

/// <summary>
/// One page in its own browser context, recording everything that went wrong in it: console errors, uncaught page
/// errors and CSP violations (the <c>securitypolicyviolation</c> event, reported through a binding that CSP does not
/// govern, so a blocked script cannot hide its own violation).
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    /// <summary>Where failure screenshots go; the test output folder's TestResults/browser unless set.</summary>
    public const string ArtifactsVariable = "AIPROD_BROWSER_ARTIFACTS";

    private const string CspBinding = "__aiprodCspViolation";

    private readonly IBrowserContext context;
    private readonly ConcurrentQueue<string> problems = new();

    private BrowserPage(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
    }

    public IPage Page { get; }

    /// <summary>What went wrong in the page so far, in the order seen.</summary>
    public IReadOnlyCollection<string> Problems => problems;

    public static string ArtifactsFolder =>
        Environment.GetEnvironmentVariable(ArtifactsVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "TestResults", "browser");

    public static async Task<BrowserPage> OpenAsync(IBrowser browser, Uri baseAddress)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout((float)SwaggerUiHost.Timeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)SwaggerUiHost.Timeout.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var opened = new BrowserPage(context, page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                opened.problems.Enqueue($"console error: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => opened.problems.Enqueue($"page error: {error}");
        await context.ExposeFunctionAsync<string>(CspBinding, violation => opened.problems.Enqueue($"CSP violation: {violation}"));
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => window." + CspBinding +
            "(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`));");
        return opened;
    }

    /// <summary>
    /// Runs a test's browser steps; when they fail, a full-page screenshot is saved under <see cref="ArtifactsFolder"/>,
    /// attached to the test's result, and its path added to the failure message.
    /// </summary>
    public async Task RunAsync(Func<IPage, Task> steps, [CallerMemberName] string testName = "")
    {
        try
        {
            await steps(Page);
        }
        catch (Exception failure) when (failure is not BrowserUnavailableException)
        {
            var screenshot = await ScreenshotAsync(testName);
            throw new BrowserTestFailedException($"{failure.Message}{Environment.NewLine}{screenshot}", failure);
        }
    }

    /// <summary>Fails with every recorded problem when there is any.</summary>
    public void AssertNoProblems() =>
        Assert.True(problems.IsEmpty, "The page reported problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems));

    private async Task<string> ScreenshotAsync(string testName)
    {
        var name = string.Concat(testName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_'));
        var path = Path.Combine(ArtifactsFolder, (name.Length > 0 ? name : "browser-test") + ".png");
        try
        {
            Directory.CreateDirectory(ArtifactsFolder);
            var png = await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            TestContext.Current.AddAttachment(Path.GetFileName(path), png, "image/png");
            return $"Screenshot: {path}";
        }
        catch (Exception ex) when (ex is PlaywrightException or IOException or UnauthorizedAccessException or TimeoutException)
        {
            return $"No screenshot ({ex.GetType().Name}: {ex.Message})";
        }
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}

/// <summary>A browser test's failure, with where its screenshot is.</summary>
public sealed class BrowserTestFailedException(string message, Exception inner) : Exception(message, inner);
