using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Aiprod.Browser.Tests.Infrastructure;

/// <summary>
/// The API on a real Kestrel port (a browser cannot reach TestServer) over a real SQLite file in the Testing
/// environment, and one Chromium for the whole collection: a browser is heavy on a small machine, a context per test
/// is not. Where no browser exists nothing is started, and every test is skipped with the reason.
/// </summary>
public sealed class SwaggerUiHost : IAsyncLifetime
{
    /// <summary>Every wait of a browser test: generous, since the machine is shared, but a stuck page still fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    private IPlaywright? playwright;
    private IBrowser? browser;
    private string unavailable = string.Empty;

    public AiprodApiFactory Factory { get; } = new();

    /// <summary>The API's own address, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Plain HTTP to the same host, for setup and checks made outside the browser.</summary>
    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var executable = BrowserLocator.Find(out unavailable);
        if (executable is null)
        {
            return;
        }

        Address = Factory.StartOnKestrel();
        Client = new HttpClient { BaseAddress = Address, Timeout = Timeout };
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Chromium's sandbox refuses to start as root (containers, CI); elsewhere it stays on.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
            Timeout = (float)Timeout.TotalMilliseconds,
        });
    }

    /// <summary>
    /// Empties the database and opens a fresh browser context (no storage, no authorization left from an earlier
    /// test); the first call of each test, before its setup through <see cref="Client"/>.
    /// </summary>
    public async Task<BrowserPage> NewPageAsync()
    {
        if (browser is null)
        {
            throw new BrowserUnavailableException(unavailable);
        }

        await Factory.ResetAsync();
        return await BrowserPage.OpenAsync(browser, Address);
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        Client?.Dispose();
        await Factory.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserSuite : ICollectionFixture<SwaggerUiHost>
{
    public const string Name = "browser";
}
