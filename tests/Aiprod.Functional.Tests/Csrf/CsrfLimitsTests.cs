using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Aiprod.Functional.Tests.Csrf;

/// <summary>The CSRF routes' rate limits and their place in the Swagger document, on a host with small limits.</summary>
public sealed class CsrfLimitsTests : IAsyncLifetime
{
    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?>
    {
        ["RateLimits:Policies:csrf"] = "3",
        ["RateLimits:Policies:csrf-refresh"] = "2",
    });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task TokenAndVerifyShareOneLimit_AndRefreshHasItsOwn()
    {
        var browser = new BrowserClient(factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = new Uri("https://localhost") }));
        await browser.Http.RegisterAsync("ann@example.com");
        await browser.LoginAsync("ann@example.com");

        var token = await browser.CsrfTokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify", new { csrf_token = token })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Get, "/security/csrf-token")).StatusCode);
        var limited = await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify", new { csrf_token = token });
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);

        token = browser.CsrfFromCookie!;
        for (var i = 0; i < 2; i++)
        {
            var refreshed = await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: token);
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
            token = (await refreshed.ReadJsonAsync()).Str("csrf_token");
        }

        await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: token)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task TheRoutesAreDocumented_WithTheirLimitsAndRefusals()
    {
        var document = JsonNode.Parse(await factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken))!;
        var paths = document["paths"]!;
        foreach (var (path, method, permits) in new[] { ("/security/csrf-token", "get", 3), ("/security/csrf-verify", "post", 3), ("/security/csrf-refresh", "post", 2) })
        {
            var operation = paths[path]?[method];
            Assert.True(operation is not null, $"{method} {path} is not in the document");
            Assert.Contains($"**Rate limit:** {permits} requests per 60 s", operation["description"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.NotNull(operation["responses"]!["429"]);
            Assert.NotNull(operation["responses"]!["401"]);
        }

        Assert.NotNull(paths["/security/csrf-refresh"]!["post"]!["responses"]!["403"]);
        Assert.NotNull(paths["/auth/logout"]?["post"]?["responses"]?["403"]);
        Assert.NotNull(paths["/auth/refresh"]!["post"]!["responses"]!["403"]);
    }
}
