using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Net.Http.Headers;

namespace Aiprod.Functional.Tests.Csrf;

/// <summary>One host whose clock the tests step (CSRF maximum age), shared by the class and reset before each test.</summary>
public sealed class BrowserSessionFixture : IAsyncDisposable
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public AiprodApiFactory Factory { get; }

    public BrowserSessionFixture() => Factory = new AiprodApiFactory(
        new Dictionary<string, string?>
        {
            ["RateLimits:Policies:csrf"] = "100000",
            ["RateLimits:Policies:csrf-refresh"] = "100000",
        },
        Clock);

    public async Task<BrowserClient> NewBrowserAsync()
    {
        await Factory.ResetAsync();
        return Open();
    }

    /// <summary>Another browser on the same host (its own cookie jar).</summary>
    public BrowserClient Open() =>
        new(Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = new Uri("https://localhost") }));

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}

/// <summary>Browser mode end to end: the refresh cookie, the session-bound CSRF token, and every way a request is refused.</summary>
public sealed class BrowserSessionTests(BrowserSessionFixture fixture) : IClassFixture<BrowserSessionFixture>
{
    private async Task<BrowserClient> LoggedInAsync(string email = "ann@example.com")
    {
        var browser = await fixture.NewBrowserAsync();
        await browser.Http.RegisterAsync(email);
        await browser.LoginAsync(email);
        return browser;
    }

    [Fact]
    public async Task BrowserLogin_CsrfProtectedRefresh_AndLogout_EndToEnd()
    {
        var browser = await fixture.NewBrowserAsync();
        await browser.Http.RegisterAsync("ann@example.com");

        var login = await browser.SendAsync(HttpMethod.Post, "/auth/login",
            new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword, refresh_token_delivery = "cookie" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var tokens = await login.ReadJsonAsync();
        Assert.Null(tokens["refresh_token"]);
        Assert.False(string.IsNullOrEmpty(tokens.Str("access_token")));
        var refreshCookie = browser.LastSetCookies[BrowserClient.RefreshCookie];
        AssertHostCookie(refreshCookie, httpOnly: true);
        Assert.Equal(TimeSpan.FromSeconds(tokens["refresh_expires_in"]!.GetValue<int>()), refreshCookie.MaxAge);
        var firstRefresh = browser.Refresh!;

        var csrfAnswer = await browser.SendAsync(HttpMethod.Get, "/security/csrf-token");
        Assert.Equal(HttpStatusCode.OK, csrfAnswer.StatusCode);
        var csrfBody = await csrfAnswer.ReadJsonAsync();
        var csrf = csrfBody.Str("csrf_token");
        Assert.Equal("X-CSRF-Token", csrfBody.Str("header_name"));
        Assert.Equal(3600, csrfBody["expires_in"]!.GetValue<int>());
        var csrfCookie = browser.LastSetCookies[BrowserClient.CsrfCookie];
        AssertHostCookie(csrfCookie, httpOnly: false);
        Assert.Equal(csrf, browser.CsrfFromCookie);
        Assert.Equal("no-store", csrfAnswer.Headers.CacheControl?.ToString());

        var refreshed = await browser.RefreshAsync(csrf);
        Assert.True(refreshed.StatusCode == HttpStatusCode.OK, await refreshed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var newTokens = await refreshed.ReadJsonAsync();
        Assert.Null(newTokens["refresh_token"]);
        AssertHostCookie(browser.LastSetCookies[BrowserClient.RefreshCookie], httpOnly: true);
        Assert.NotEqual(firstRefresh, browser.Refresh);
        Assert.Contains("Sec-Fetch-Site", refreshed.Headers.Vary);
        Assert.Contains("Origin", refreshed.Headers.Vary);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetWithTokenAsync("/auth/me", newTokens.Str("access_token"))).StatusCode);

        // The CSRF token is the session's, not the refresh token's: it outlives the rotation.
        var again = await browser.RefreshAsync(csrf);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var access = (await again.ReadJsonAsync()).Str("access_token");

        var lastCookie = browser.Refresh!;
        var logout = await browser.LogoutAsync(csrf);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Null(browser.Refresh);
        Assert.Null(browser.CsrfFromCookie);
        AssertCleared(browser.LastSetCookies[BrowserClient.RefreshCookie]);
        AssertCleared(browser.LastSetCookies[BrowserClient.CsrfCookie]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetWithTokenAsync("/auth/me", access)).StatusCode);

        // The last cookie, replayed after the logout, opens nothing, and the answer clears it again.
        browser.Jar[BrowserClient.RefreshCookie] = lastCookie;
        await (await browser.RefreshAsync(csrf)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        Assert.Null(browser.Refresh);
    }

    [Fact]
    public async Task CookieRefresh_WithoutToken_IsRefused_csrf_missing_AndSpendsNothing()
    {
        var browser = await LoggedInAsync();
        var before = browser.Refresh;

        var refused = await browser.RefreshAsync(csrf: null);
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_missing");
        Assert.Empty(browser.LastSetCookies);

        // Nothing was spent: the same cookie still refreshes with a token (so no reuse was detected either).
        Assert.Equal(before, browser.Refresh);
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(await browser.CsrfTokenAsync())).StatusCode);
    }

    [Fact]
    public async Task CookieLogout_WithoutToken_IsRefused_AndTheSessionLives()
    {
        var browser = await LoggedInAsync();
        await (await browser.LogoutAsync(csrf: null)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_missing");
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(await browser.CsrfTokenAsync())).StatusCode);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("tampered")]
    [InlineData("truncated")]
    [InlineData("outside-the-alphabet")]
    public async Task CookieRefresh_WithAWrongToken_IsRefused_csrf_invalid(string kind)
    {
        var browser = await LoggedInAsync();
        var good = await browser.CsrfTokenAsync();
        var token = kind switch
        {
            "garbage" => "not-a-csrf-token",
            "" => new string('A', good.Length),
            "tampered" => Tamper(good),
            "outside-the-alphabet" => "*" + good[1..],
            _ => good[..^4],
        };

        await (await browser.RefreshAsync(token)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_invalid");
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(good)).StatusCode);
    }

    [Fact]
    public async Task CookieRefresh_WithAnotherSessionsToken_IsRefused_csrf_session_mismatch()
    {
        var ann = await LoggedInAsync();
        var annToken = await ann.CsrfTokenAsync();

        // Bob, and a second session of Ann's: neither's token opens this session.
        await ann.Http.RegisterAsync("bob@example.com");
        var bob = fixture.Open();
        await bob.LoginAsync("bob@example.com");
        var annElsewhere = fixture.Open();
        await annElsewhere.LoginAsync("ann@example.com");

        await (await ann.RefreshAsync(await bob.CsrfTokenAsync())).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_session_mismatch");
        await (await ann.RefreshAsync(await annElsewhere.CsrfTokenAsync())).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_session_mismatch");
        await (await bob.RefreshAsync(annToken)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_session_mismatch");
        Assert.Equal(HttpStatusCode.OK, (await ann.RefreshAsync(annToken)).StatusCode);
    }

    [Fact]
    public async Task CookieRefresh_WithAnExpiredToken_IsRefused_csrf_expired()
    {
        var browser = await LoggedInAsync();
        var token = await browser.CsrfTokenAsync();

        fixture.Clock.Advance(TimeSpan.FromMinutes(60) - TimeSpan.FromSeconds(1));
        var verify = await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify", new { csrf_token = token });
        Assert.True((await verify.ReadJsonAsync())["valid"]!.GetValue<bool>());

        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        await (await browser.RefreshAsync(token)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_expired");
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(await browser.CsrfTokenAsync())).StatusCode);
    }

    [Fact]
    public async Task AfterCsrfRefresh_TheOldTokenIsRefused_csrf_superseded_AndTheNewOneWorks()
    {
        var browser = await LoggedInAsync();
        var first = await browser.CsrfTokenAsync();
        var secondTab = await browser.CsrfTokenAsync();

        var refreshed = await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: first);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var next = (await refreshed.ReadJsonAsync()).Str("csrf_token");
        Assert.Equal(next, browser.CsrfFromCookie);

        await (await browser.RefreshAsync(first)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
        await (await browser.RefreshAsync(secondTab)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(next)).StatusCode);

        // The superseded token cannot buy a newer one either.
        await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: first)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
    }

    [Fact]
    public async Task AfterLogout_TheSessionsTokenIsRefused_csrf_session_ended()
    {
        var browser = await LoggedInAsync();
        var old = await browser.CsrfTokenAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await browser.LogoutAsync(old)).StatusCode);

        await browser.LoginAsync("ann@example.com");
        await (await browser.RefreshAsync(old)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_session_ended");
        var verify = await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify", new { csrf_token = old })).ReadJsonAsync();
        Assert.False(verify["valid"]!.GetValue<bool>());
        Assert.Equal("csrf_session_ended", verify.Str("reason"));
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(await browser.CsrfTokenAsync())).StatusCode);
    }

    [Fact]
    public async Task CrossSiteRequests_AreRefused_EvenWithAValidToken()
    {
        var browser = await LoggedInAsync();
        var token = await browser.CsrfTokenAsync();

        var crossSite = await browser.RefreshAsync(token, fetchSite: "cross-site");
        await crossSite.AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
        Assert.Contains("Sec-Fetch-Site", crossSite.Headers.Vary);
        await (await browser.LogoutAsync(token, fetchSite: "cross-site")).AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
        await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: token, fetchSite: "cross-site"))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");

        // A browser-mode login from another site would plant the attacker's session: refused too.
        var planted = await browser.SendAsync(HttpMethod.Post, "/auth/login",
            new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword, refresh_token_delivery = "cookie" }, fetchSite: "cross-site");
        await planted.AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");

        // same-site and none (a bookmark, the address bar) are not cross-site.
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(token, fetchSite: "same-site")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(token, fetchSite: "none")).StatusCode);
    }

    /// <summary>
    /// The site check alone runs on two routes marked for both checks (a refresh whose body token goes into the cookie,
    /// and a cookie that names no live session): a cross-site request there is a 403 like any other, not the guard's
    /// "not marked" throw (a 500), and spends nothing.
    /// </summary>
    [Fact]
    public async Task SiteCheckAlone_OnTokenGuardedRoutes_RefusesCrossSite_AndSpendsNothing()
    {
        var browser = await fixture.NewBrowserAsync();
        await browser.Http.RegisterAsync("ann@example.com");
        var tokens = await browser.Http.LoginForTokensAsync("ann@example.com");
        var intoCookie = new { refresh_token = tokens.Str("refresh_token"), refresh_token_delivery = "cookie" };

        await (await browser.SendAsync(HttpMethod.Post, "/auth/refresh", intoCookie, fetchSite: "cross-site"))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
        await (await browser.SendAsync(HttpMethod.Post, "/auth/refresh", intoCookie, fetchSite: null, origin: "https://evil.example"))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
        Assert.Null(browser.Refresh);

        // A cookie of no live session (one logged out, one never issued): the site check still refuses a cross-site
        // request before the command looks.
        var other = fixture.Open();
        await other.LoginAsync("ann@example.com");
        var ended = other.Refresh!;
        Assert.Equal(HttpStatusCode.NoContent, (await other.LogoutAsync(await other.CsrfTokenAsync())).StatusCode);
        foreach (var dead in new[] { ended, "aiprod-not-a-refresh-token" })
        {
            browser.Jar[BrowserClient.RefreshCookie] = dead;
            await (await browser.RefreshAsync(null, fetchSite: "cross-site")).AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
            await (await browser.LogoutAsync(null, fetchSite: "cross-site")).AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
        }

        browser.Jar.Remove(BrowserClient.RefreshCookie);

        // The refused requests spent nothing: the body token still moves into the cookie.
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Post, "/auth/refresh", intoCookie)).StatusCode);
        Assert.NotNull(browser.Refresh);
    }

    [Fact]
    public async Task WithoutFetchMetadata_TheOriginIsChecked()
    {
        var browser = await LoggedInAsync();
        var token = await browser.CsrfTokenAsync();

        await (await browser.RefreshAsync(token, fetchSite: null, origin: "https://evil.example")).AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
        await (await browser.RefreshAsync(token, fetchSite: null, origin: "null")).AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");
        await (await browser.RefreshAsync(token, fetchSite: null, origin: "http://localhost")).AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request");

        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(token, fetchSite: null, origin: "https://localhost")).StatusCode);
        // Neither header: not a browser that would attach the cookie on its own; the token still decides.
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(token, fetchSite: null)).StatusCode);
        await (await browser.RefreshAsync(null, fetchSite: null)).AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_missing");
    }

    [Fact]
    public async Task BearerAndBodyTokenCallers_AreExempt()
    {
        var browser = await fixture.NewBrowserAsync();
        await browser.Http.RegisterAsync("ann@example.com");
        var tokens = await browser.Http.LoginForTokensAsync("ann@example.com");
        Assert.Empty(browser.Jar);

        // A refresh token in the body is its own authority: no cookie, no CSRF token, whatever the browser headers say.
        var refreshed = await browser.SendAsync(HttpMethod.Post, "/auth/refresh", new { refresh_token = tokens.Str("refresh_token") }, fetchSite: "cross-site");
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var next = await refreshed.ReadJsonAsync();
        Assert.False(string.IsNullOrEmpty(next.Str("refresh_token")));
        Assert.Empty(browser.LastSetCookies);

        // A bearer caller gets, verifies and refreshes CSRF tokens without presenting one.
        var csrf = await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", bearer: next.Str("access_token"), fetchSite: "cross-site");
        Assert.Equal(HttpStatusCode.OK, csrf.StatusCode);
        var verify = await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify",
            new { csrf_token = (await csrf.ReadJsonAsync()).Str("csrf_token") }, bearer: next.Str("access_token"))).ReadJsonAsync();
        Assert.True(verify["valid"]!.GetValue<bool>());

        // Bearer routes take no CSRF token at all.
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(HttpMethod.Post, "/api-keys/create", new { name = "k" }, bearer: next.Str("access_token"), fetchSite: "cross-site")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(HttpMethod.Post, "/auth/logout", new { refresh_token = next.Str("refresh_token") }, fetchSite: "cross-site")).StatusCode);
        await (await browser.Http.RefreshAsync(next.Str("refresh_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CsrfVerify_SaysWhy()
    {
        var browser = await LoggedInAsync();
        var token = await browser.CsrfTokenAsync();

        async Task<JsonObject> VerifyAsync(object body) =>
            await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify", body)).ReadJsonAsync();

        var good = await VerifyAsync(new { csrf_token = token });
        Assert.True(good["valid"]!.GetValue<bool>());
        Assert.Null(good["reason"]);
        Assert.Equal("csrf_missing", (await VerifyAsync(new { })).Str("reason"));
        Assert.Equal("csrf_invalid", (await VerifyAsync(new { csrf_token = Tamper(token) })).Str("reason"));

        // The header is checked when the body names no token.
        var byHeader = await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify", new { }, csrf: token);
        Assert.True((await byHeader.ReadJsonAsync())["valid"]!.GetValue<bool>());

        // No session at all: nothing to check against.
        var stranger = fixture.Open();
        await (await stranger.SendAsync(HttpMethod.Post, "/security/csrf-verify", new { csrf_token = token })).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_required");
        await (await stranger.SendAsync(HttpMethod.Get, "/security/csrf-token")).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_required");
    }

    [Fact]
    public async Task UnknownDelivery_IsA400_NamingTheField()
    {
        var browser = await fixture.NewBrowserAsync();
        await browser.Http.RegisterAsync("ann@example.com");
        var problem = await (await browser.SendAsync(HttpMethod.Post, "/auth/login",
            new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword, refresh_token_delivery = "carrier-pigeon" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["refresh_token_delivery"]);
        Assert.Empty(browser.Jar);

        var noToken = await (await browser.SendAsync(HttpMethod.Post, "/auth/refresh", new { })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(noToken["errors"]?["refresh_token"]);
        var noLogoutToken = await (await browser.SendAsync(HttpMethod.Post, "/auth/logout", new { })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(noLogoutToken["errors"]?["refresh_token"]);
    }

    [Fact]
    public async Task BodyTokenRefresh_CanMoveIntoTheCookie()
    {
        var browser = await fixture.NewBrowserAsync();
        await browser.Http.RegisterAsync("ann@example.com");
        var tokens = await browser.Http.LoginForTokensAsync("ann@example.com");

        var moved = await browser.SendAsync(HttpMethod.Post, "/auth/refresh", new { refresh_token = tokens.Str("refresh_token"), refresh_token_delivery = "cookie" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Null((await moved.ReadJsonAsync())["refresh_token"]);
        Assert.NotNull(browser.Refresh);
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(await browser.CsrfTokenAsync())).StatusCode);
    }

    [Fact]
    public async Task ReuseDetected_ThroughTheCookie_ClearsIt()
    {
        var browser = await LoggedInAsync();
        var csrf = await browser.CsrfTokenAsync();
        var spent = browser.Refresh!;
        Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(csrf)).StatusCode);

        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        browser.Jar[BrowserClient.RefreshCookie] = spent;
        await (await browser.RefreshAsync(csrf)).AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        Assert.Null(browser.Refresh);
        AssertCleared(browser.LastSetCookies[BrowserClient.RefreshCookie]);
    }

    [Fact]
    public async Task Refusals_AreAudited_AndAFloodWritesLittle()
    {
        var browser = await LoggedInAsync();
        var token = await browser.CsrfTokenAsync();

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.RefreshAsync(csrf: null)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await browser.RefreshAsync(token, fetchSite: "cross-site")).StatusCode);
        await fixture.Factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(CancellationToken.None);

        // Not the summary rows of counts other tests of this class held back on the shared host (written whenever
        // its clock passes their window): refusals only.
        var rows = await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.CsrfRefused && !e.Details!.Contains("\"summary\":true")).ToListAsync());
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(AuditOutcome.Failure, r.Outcome));
        Assert.Contains(rows, r => r.Details!.Contains("\"reason\":\"csrf_missing\"", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Details!.Contains("\"reason\":\"cross_site_request\"", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Details!.Contains(token, StringComparison.Ordinal));
        // A CSRF 403 is the CSRF check's, not authorization's: counted once, as csrf.refused.
        Assert.False(await fixture.Factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.EventType == AuditEventTypes.AccessForbidden)));

        // A minute later the next refusal is written with the count of those it stood for.
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.RefreshAsync(csrf: null)).StatusCode);
        await fixture.Factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(CancellationToken.None);
        var later = await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.CsrfRefused && !e.Details!.Contains("\"summary\":true")).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(3, later.Count);
        Assert.Contains("\"suppressed\":49", later[^1].Details!, StringComparison.Ordinal);
    }

    /// <summary>
    /// One browser session, many actors at once: csrf-refresh callers (each with the token it last had), cookie
    /// refreshes and csrf-token fetches. The valid outcomes: a csrf-refresh or refresh is 200, or 403
    /// csrf_superseded when another actor's csrf-refresh advanced the generation first; a csrf-token fetch is 200.
    /// Never a 5xx, never a 401 (no reuse is detected: concurrent rotations are inside the leeway), and afterwards
    /// exactly one of the csrf-refresh answers is still valid (the generations are totally ordered) and the session
    /// still refreshes.
    /// </summary>
    [Fact]
    public async Task ConcurrentCsrfRefreshesAndRefreshes_OfOneSession_OnlyValidOutcomes()
    {
        var browser = await LoggedInAsync();
        var token = await browser.CsrfTokenAsync();

        for (var round = 0; round < 10; round++)
        {
            var cookie = browser.Refresh!;
            var actors = Enumerable.Range(0, 12).Select(i => (Kind: i % 3, Browser: browser.Fork())).ToList();
            var answers = await Task.WhenAll(actors.Select(a => a.Kind switch
            {
                0 => a.Browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: token),
                1 => a.Browser.RefreshAsync(token),
                _ => a.Browser.SendAsync(HttpMethod.Get, "/security/csrf-token"),
            }));

            var issued = new List<string>();
            for (var i = 0; i < actors.Count; i++)
            {
                var status = answers[i].StatusCode;
                var body = await answers[i].Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True((int)status < 500, $"round {round}, actor {i}: {(int)status} {body}");
                if (actors[i].Kind == 2)
                {
                    Assert.True(status == HttpStatusCode.OK, $"round {round}, csrf-token: {(int)status} {body}");
                    continue;
                }

                if (status == HttpStatusCode.Forbidden)
                {
                    await answers[i].AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded");
                    continue;
                }

                Assert.True(status == HttpStatusCode.OK, $"round {round}, actor {i}: {(int)status} {body}");
                if (actors[i].Kind == 0)
                {
                    issued.Add(JsonNode.Parse(body)!["csrf_token"]!.GetValue<string>());
                }
                else
                {
                    Assert.NotEqual(cookie, actors[i].Browser.Refresh);
                    browser.Jar[BrowserClient.RefreshCookie] = actors[i].Browser.Refresh!;
                }
            }

            Assert.NotEmpty(issued);
            var valid = 0;
            foreach (var candidate in issued)
            {
                var verify = await (await browser.SendAsync(HttpMethod.Post, "/security/csrf-verify", new { csrf_token = candidate })).ReadJsonAsync();
                valid += verify["valid"]!.GetValue<bool>() ? 1 : 0;
            }

            Assert.True(valid == 1, $"round {round}: {valid} of {issued.Count} csrf-refresh tokens are valid");
            token = await browser.CsrfTokenAsync();
            Assert.Equal(HttpStatusCode.OK, (await browser.RefreshAsync(token)).StatusCode);
        }
    }

    internal static string Tamper(string token)
    {
        var chars = token.ToCharArray();
        var i = chars.Length / 2;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    private static void AssertHostCookie(SetCookieHeaderValue cookie, bool httpOnly)
    {
        Assert.StartsWith("__Host-", cookie.Name.ToString(), StringComparison.Ordinal);
        Assert.True(cookie.Secure);
        Assert.Equal(httpOnly, cookie.HttpOnly);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Strict, cookie.SameSite);
        Assert.Equal("/", cookie.Path.ToString());
        Assert.True(cookie.Domain.Length == 0, "a __Host- cookie has no Domain");
        Assert.True(cookie.MaxAge > TimeSpan.Zero);
    }

    private static void AssertCleared(SetCookieHeaderValue cookie)
    {
        Assert.Equal(string.Empty, cookie.Value.ToString());
        Assert.True(cookie.Expires < DateTimeOffset.UtcNow || cookie.MaxAge <= TimeSpan.Zero);
        Assert.True(cookie.Secure);
        Assert.Equal("/", cookie.Path.ToString());
    }
}
