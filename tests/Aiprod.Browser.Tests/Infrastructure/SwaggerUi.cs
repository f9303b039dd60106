using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Aiprod.Browser.Tests.Infrastructure;

/// <summary>Swagger UI as a user drives it: operations, try-it-out and the Authorize dialog, found by what they show.</summary>
public sealed class SwaggerUi(IPage page)
{
    public const string PagePath = "/swagger/index.html";

    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = (float)SwaggerUiHost.Timeout.TotalMilliseconds };

    /// <summary>Every operation block on the page.</summary>
    public ILocator Operations => page.Locator(".swagger-ui .opblock");

    public async Task OpenAsync()
    {
        await page.GotoAsync(PagePath);
        await Expect(page.Locator(".swagger-ui .information-container .title")).ToContainTextAsync("Aiprod API", new() { Timeout = Visible.Timeout });
        await Expect(Operations.First).ToBeVisibleAsync(Visible);
    }

    /// <summary>Method, path and shown operationId of every operation, e.g. ("POST", "/auth/login", "Auth_Login").</summary>
    public async Task<IReadOnlyList<(string Method, string Path, string? OperationId)>> ListedOperationsAsync()
    {
        var listed = new List<(string, string, string?)>();
        foreach (var summary in await page.Locator(".swagger-ui .opblock .opblock-summary").AllAsync())
        {
            var method = await summary.Locator(".opblock-summary-method").InnerTextAsync();
            var path = await summary.Locator(".opblock-summary-path").GetAttributeAsync("data-path");
            var operationId = summary.Locator(".opblock-summary-operation-id");
            listed.Add((method.Trim().ToUpperInvariant(), path ?? string.Empty, await operationId.CountAsync() > 0 ? (await operationId.InnerTextAsync()).Trim() : null));
        }

        return listed;
    }

    public ILocator Operation(string method, string path) =>
        page.Locator($".swagger-ui .opblock.opblock-{method.ToLowerInvariant()}")
            .Filter(new LocatorFilterOptions { Has = page.Locator($".opblock-summary-path[data-path=\"{path}\"]") });

    /// <summary>Opens an operation; try-it-out is on by default, so its inputs and Execute are ready.</summary>
    public async Task<ILocator> ExpandAsync(string method, string path)
    {
        var operation = Operation(method, path);
        await Expect(operation).ToHaveCountAsync(1);
        await operation.Locator(".opblock-summary-control").ClickAsync();
        await Expect(operation.Locator("button.execute")).ToBeVisibleAsync(Visible);
        return operation;
    }

    public static Task FillBodyAsync(ILocator operation, string json) =>
        operation.Locator("textarea.body-param__text").FillAsync(json);

    public static Task FillParameterAsync(ILocator operation, string name, string value) =>
        operation.Locator($"tr[data-param-name=\"{name}\"] input").FillAsync(value);

    /// <summary>Clicks Execute and returns the status and body Swagger UI shows for the live response.</summary>
    public static async Task<(int Status, string Body)> ExecuteAsync(ILocator operation)
    {
        await operation.Locator("button.execute").ClickAsync();
        var live = operation.Locator(".live-responses-table .response");
        await Expect(live.Locator(".response-col_status")).ToBeVisibleAsync(Visible);
        var status = int.Parse((await live.Locator(".response-col_status").InnerTextAsync()).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var body = live.Locator(".response-col_description .highlight-code pre");
        return (status, await body.CountAsync() > 0 ? await body.First.InnerTextAsync() : string.Empty);
    }

    /// <summary>Authorizes one security scheme in the Authorize dialog (its title starts with <paramref name="scheme"/>) and closes the dialog.</summary>
    public async Task AuthorizeAsync(string scheme, string value)
    {
        await page.Locator(".swagger-ui .scheme-container button.authorize").ClickAsync();
        var dialog = page.Locator(".swagger-ui .modal-ux");
        await Expect(dialog).ToBeVisibleAsync(Visible);
        var container = dialog.Locator(".auth-container").Filter(new LocatorFilterOptions { Has = page.Locator($"h4:has-text(\"{scheme}\")") });
        await Expect(container).ToHaveCountAsync(1);
        await container.Locator("input").FillAsync(value);
        await container.Locator(".auth-btn-wrapper button.authorize").ClickAsync();
        // Once authorized, the scheme offers Logout in place of Authorize.
        await Expect(container.Locator(".auth-btn-wrapper button", new() { HasText = "Logout" })).ToBeVisibleAsync(Visible);
        await dialog.Locator("button.close-modal").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync(new() { Timeout = Visible.Timeout });
    }
}
