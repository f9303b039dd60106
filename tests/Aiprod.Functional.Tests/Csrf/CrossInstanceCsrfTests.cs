using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Aiprod.Functional.Tests.Csrf;

/// <summary>
/// Two API instances on one database and one real Redis: a CSRF token issued on one is accepted by the other, a
/// csrf-refresh on one ends the older tokens on both, and when Redis dies requests still get answers, not 5xx.
/// </summary>
public sealed class CrossInstanceCsrfTests
{
    private static Dictionary<string, string?> Settings(string folder, RedisServer redis) => new()
    {
        // One data folder: the instances share the generated CSRF key, as configured instances share Csrf:SigningKey.
        ["DataFolder:Path"] = folder,
        ["Redis:Configuration"] = redis.Configuration,
        ["RateLimits:Policies:csrf"] = "100000",
        ["RateLimits:Policies:csrf-refresh"] = "100000",
    };

    private static BrowserClient Browser(AiprodApiFactory factory, BrowserClient? sameJar = null)
    {
        var browser = new BrowserClient(factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = new Uri("https://localhost") }));
        foreach (var (name, value) in sameJar?.Jar ?? [])
        {
            browser.Jar[name] = value;
        }

        return browser;
    }

    [Fact]
    public async Task ACsrfRefreshOnOneInstance_EndsTheOlderTokensOnTheOther()
    {
        await using var redis = await RedisServer.StartAsync();
        redis.SkipIfUnavailable();
        var folder = Directory.CreateTempSubdirectory("aiprod-csrf-two-").FullName;
        await using var a = new AiprodApiFactory(Settings(folder, redis));
        await using var b = new AiprodApiFactory(Settings(folder, redis));

        var onA = Browser(a);
        await onA.Http.RegisterAsync("ann@example.com");
        await onA.LoginAsync("ann@example.com");
        var first = await onA.CsrfTokenAsync();
        var onB = Browser(b, onA);
        Assert.Equal(HttpStatusCode.OK, (await onB.RefreshAsync(first)).StatusCode);
        onA = Browser(a, onB);

        for (var round = 0; round < 5; round++)
        {
            // Csrf-refreshes on both instances at once, each with the token the page last had.
            var racing = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
                Browser(i % 2 == 0 ? a : b, onA).SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: first)));
            var issued = new List<string>();
            foreach (var answer in racing)
            {
                if (answer.StatusCode == HttpStatusCode.Forbidden)
                {
                    await answer.AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
                    continue;
                }

                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                issued.Add((await answer.ReadJsonAsync()).Str("csrf_token"));
            }

            // The generations are Redis' INCRs: one order for both instances, so exactly one answer is current on each.
            foreach (var instance in new[] { a, b })
            {
                var valid = 0;
                foreach (var token in issued)
                {
                    var verify = await (await Browser(instance, onA).SendAsync(HttpMethod.Post, "/security/csrf-verify", new { csrf_token = token })).ReadJsonAsync();
                    valid += verify["valid"]!.GetValue<bool>() ? 1 : 0;
                }

                Assert.True(valid == 1, $"round {round}: {valid} of {issued.Count} tokens valid");
            }

            await (await Browser(b, onA).RefreshAsync(first)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
            first = await Browser(a, onA).CsrfTokenAsync();
            var refreshed = Browser(b, onA);
            Assert.Equal(HttpStatusCode.OK, (await refreshed.RefreshAsync(first)).StatusCode);
            onA = Browser(a, refreshed);
        }
    }

    [Fact]
    public async Task WhenRedisDies_CsrfRoutesStillAnswer_AndATokenSupersededHereStaysRefused()
    {
        await using var redis = await RedisServer.StartAsync();
        redis.SkipIfUnavailable();
        var folder = Directory.CreateTempSubdirectory("aiprod-csrf-dies-").FullName;
        await using var a = new AiprodApiFactory(Settings(folder, redis));

        var browser = Browser(a);
        await browser.Http.RegisterAsync("ann@example.com");
        await browser.LoginAsync("ann@example.com");
        var old = await browser.CsrfTokenAsync();
        var current = (await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: old)).ReadJsonAsync()).Str("csrf_token");

        redis.Kill();

        // This instance remembers the generation it saw: the superseded token stays refused, the current one works.
        await (await browser.RefreshAsync(old)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(current)).StatusCode);
        var next = await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: current);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var newest = (await next.ReadJsonAsync()).Str("csrf_token");
        await (await browser.RefreshAsync(current)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(newest)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Get, "/security/csrf-token")).StatusCode);
    }
}
