using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aiprod.Browser.Tests.Infrastructure;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Aiprod.Browser.Tests;

/// <summary>Swagger UI in a real Chromium against the API on Kestrel: what admins and integrators do with it.</summary>
[Collection(BrowserSuite.Name)]
public sealed class SwaggerUiTests(SwaggerUiHost host)
{
    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    [BrowserFact]
    public async Task SwaggerUi_LoadsWithoutConsoleErrorsOrCspViolations_AndListsEveryOperationOfTheDocument()
    {
        await using var browser = await host.NewPageAsync();
        var documented = await DocumentedOperationsAsync();
        await browser.RunAsync(async page =>
        {
            var ui = new SwaggerUi(page);
            await ui.OpenAsync();
            await Expect(ui.Operations).ToHaveCountAsync(documented.Count);
            var listed = await ui.ListedOperationsAsync();
            Assert.Equal(documented.Keys.Order(), listed.Select(o => (o.Method, o.Path)).Order());
            // Where the document names an operation, the UI shows that name (Swagger UI invents one for the others).
            foreach (var (method, path, shown) in listed)
            {
                if (documented[(method, path)] is { } operationId)
                {
                    Assert.Equal(operationId, shown);
                }
            }

            // Late work (icons, the document's second render) has settled before the page is judged.
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            browser.AssertNoProblems();
        });
    }

    [BrowserFact]
    public async Task AUser_LogsInThroughTryItOut_AuthorizesWithTheToken_AndGetsTheirAccount()
    {
        const string email = "ann@example.com";
        await using var browser = await host.NewPageAsync();
        await host.Client.RegisterAsync(email);
        await browser.RunAsync(async page =>
        {
            var ui = new SwaggerUi(page);
            await ui.OpenAsync();

            var login = await ui.ExpandAsync("POST", "/auth/login");
            await SwaggerUi.FillBodyAsync(login, JsonSerializer.Serialize(new { email, password = ApiClientExtensions.DefaultPassword }));
            var (status, body) = await SwaggerUi.ExecuteAsync(login);
            Assert.True(status == 200, $"POST /auth/login answered {status}: {body}");
            var token = JsonNode.Parse(body)!["access_token"]!.GetValue<string>();

            await ui.AuthorizeAsync("Bearer", token);
            var me = await ui.ExpandAsync("GET", "/auth/me");
            (status, body) = await SwaggerUi.ExecuteAsync(me);
            Assert.True(status == 200, $"GET /auth/me answered {status}: {body}");
            Assert.Equal(email, JsonNode.Parse(body)!["email"]!.GetValue<string>());
            browser.AssertNoProblems();
        });
    }

    [BrowserFact]
    public async Task AnApiKeyInTheAuthorizeDialog_ListsTheOwnersJobs()
    {
        await using var browser = await host.NewPageAsync();
        var token = await host.Client.RegisterAndLoginAsync("ann@example.com");
        var jobId = await host.Client.SubmitAsync(token);
        var key = (await host.Client.CreateApiKeyAsync(token, new { name = "swagger ui", scopes = new[] { "jobs:read" } })).Str("key");
        await browser.RunAsync(async page =>
        {
            var ui = new SwaggerUi(page);
            await ui.OpenAsync();

            await ui.AuthorizeAsync("ApiKey", key);
            var jobs = await ui.ExpandAsync("GET", "/pipeline/jobs");
            var (status, body) = await SwaggerUi.ExecuteAsync(jobs);
            Assert.True(status == 200, $"GET /pipeline/jobs answered {status}: {body}");
            var items = JsonNode.Parse(body)!["items"]!.AsArray();
            Assert.Equal([jobId], items.Select(i => i!["job_id"]!.GetValue<string>()));
            browser.AssertNoProblems();
        });
    }

    [BrowserFact]
    public async Task AnAdmin_DisablesAUserThroughTryItOut_AndTheUsersTokenIsRefusedAtOnce()
    {
        const string email = "ann@example.com";
        await using var browser = await host.NewPageAsync();
        var ann = await host.Client.RegisterAsync(email);
        var annToken = await host.Client.LoginAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetWithTokenAsync("/auth/me", annToken)).StatusCode);
        var admin = await JobTestKit.RegisterAdminAsync(host.Factory, host.Client);
        await browser.RunAsync(async page =>
        {
            var ui = new SwaggerUi(page);
            await ui.OpenAsync();
            await ui.AuthorizeAsync("Bearer", admin);

            // The admin finds the user the way an admin would: a search by part of the address.
            var search = await ui.ExpandAsync("GET", "/admin/users");
            await SwaggerUi.FillParameterAsync(search, "email", "ann@");
            var (found, page1) = await SwaggerUi.ExecuteAsync(search);
            Assert.True(found == 200, $"GET /admin/users answered {found}: {page1}");
            var match = Assert.Single(JsonNode.Parse(page1)!["items"]!.AsArray(), u => u!["email"]!.GetValue<string>() == email);
            var userId = match!["user_id"]!.GetValue<string>();
            Assert.Equal(ann.Str("id"), userId);

            var disable = await ui.ExpandAsync("POST", "/admin/users/{user_id}/disable");
            await SwaggerUi.FillParameterAsync(disable, "user_id", userId);
            await SwaggerUi.FillBodyAsync(disable, """{"reason": "reported for sharing the account"}""");
            var (status, body) = await SwaggerUi.ExecuteAsync(disable);
            Assert.True(status == 204, $"POST /admin/users/{{user_id}}/disable answered {status}: {body}");
            browser.AssertNoProblems();
        });

        var me = await host.Client.GetWithTokenAsync("/auth/me", annToken);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    /// <summary>The operations of the served document: (method, path) → its operationId, if it has one.</summary>
    private async Task<Dictionary<(string Method, string Path), string?>> DocumentedOperationsAsync()
    {
        var document = JsonNode.Parse(await host.Client.GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken))!;
        var operations = new Dictionary<(string, string), string?>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (HttpMethods.Contains(method))
                {
                    operations.Add((method.ToUpperInvariant(), path), operation!["operationId"]?.GetValue<string>());
                }
            }
        }

        Assert.NotEmpty(operations);
        return operations;
    }
}
