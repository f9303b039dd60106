using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Aiprod.Api.Security;
using Aiprod.Api.Setup;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Aiprod.Functional.Tests.Security;

/// <summary><c>GET /security/headers</c> against the headers real responses carry, over HTTP and HTTPS.</summary>
public sealed partial class SecurityHeadersReportTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    /// <summary>Every header a check reads; each must be on a real response exactly as reported, or absent from both.</summary>
    private static readonly string[] CheckedHeaders =
    [
        "Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
        "Permissions-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Cross-Origin-Resource-Policy",
        "X-XSS-Protection", "Server", "X-Permitted-Cross-Domain-Policies",
    ];

    public static TheoryData<string> BaseAddresses => new() { "http://localhost", "https://api.example.test" };

    [GeneratedRegex(@"url\(\s*['""]?(?<url>[^'"")]+)['""]?\s*\)")]
    private static partial Regex CssUrl();

    [Theory]
    [MemberData(nameof(BaseAddresses))]
    public async Task TheApiSection_EqualsTheHeadersOfRealAnswers(string baseAddress)
    {
        await fixture.CreateClientAsync();
        var client = fixture.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress) });
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var report = await ReportAsync(client);

        var answers = new[]
        {
            await client.GetAsync("/health", TestContext.Current.CancellationToken),
            await client.GetWithTokenAsync("/auth/me", token),
            await client.GetWithTokenAsync("/pipeline/jobs", token),
            await client.GetAsync("/auth/me", TestContext.Current.CancellationToken),
            await client.GetWithTokenAsync($"/pipeline/job/{Guid.NewGuid()}", token),
            await client.PostAsync("/auth/login", new StringContent("{", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken),
            await client.GetAsync("/security/headers", TestContext.Current.CancellationToken),
        };

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.OK],
            answers.Select(a => a.StatusCode));
        foreach (var answer in answers)
        {
            AssertCarries(report["api"]!, answer);
        }
    }

    [Theory]
    [MemberData(nameof(BaseAddresses))]
    public async Task TheSwaggerUiSection_EqualsTheHeadersOfThePageItsAssetsAndTheDocument(string baseAddress)
    {
        await fixture.CreateClientAsync();
        var client = fixture.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress) });
        var report = await ReportAsync(client);
        var page = await client.GetAsync("/swagger/index.html", TestContext.Current.CancellationToken);
        var html = await new HtmlParser().ParseDocumentAsync(await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var assets = html.QuerySelectorAll("script[src]").Select(e => e.GetAttribute("src")!)
            .Concat(html.QuerySelectorAll("link[href]").Select(e => e.GetAttribute("href")!))
            .Select(src => new Uri(new Uri(client.BaseAddress!, "/swagger/index.html"), src).PathAndQuery)
            .Append("/swagger/v1/swagger.json")
            .ToList();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.True(assets.Count >= 7, string.Join(", ", assets));
        AssertCarries(report["swagger_ui"]!, page);
        foreach (var asset in assets)
        {
            var answer = await client.GetAsync(asset, TestContext.Current.CancellationToken);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{asset}: {answer.StatusCode}");
            AssertCarries(report["swagger_ui"]!, answer);
        }
    }

    /// <summary>
    /// Every script, style sheet, icon and CSS url() of /swagger/index.html is allowed by the CSP sent with it, and nothing
    /// on the page needs what the CSP refuses (inline scripts or styles, eval through request interceptors).
    /// </summary>
    [Fact]
    public async Task SwaggerUiPage_LoadsNothingItsCspRefuses()
    {
        var client = await fixture.CreateClientAsync();
        var page = await client.GetAsync("/swagger/index.html", TestContext.Current.CancellationToken);
        var csp = ParseCsp(page.Headers.GetValues("Content-Security-Policy").Single());
        var pageUri = new Uri(client.BaseAddress!, "/swagger/index.html");
        var html = await new HtmlParser().ParseDocumentAsync(await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        void AssertAllowed(string directive, string reference)
        {
            var sources = Effective(csp, directive);
            var allowed = reference.StartsWith("data:", StringComparison.Ordinal)
                ? sources.Contains("data:")
                : new Uri(pageUri, reference) is var uri && uri.GetLeftPart(UriPartial.Authority) == pageUri.GetLeftPart(UriPartial.Authority) && sources.Contains("'self'");
            Assert.True(allowed, $"{directive} {string.Join(' ', sources)} refuses {reference}");
        }

        var scripts = html.QuerySelectorAll("script").ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var src = script.GetAttribute("src");
            Assert.True(src is not null || Effective(csp, "script-src").Contains("'unsafe-inline'"), "an inline script the CSP refuses: " + script.OuterHtml);
            if (src is not null)
            {
                AssertAllowed("script-src", src);
            }
        }

        var styleSheets = html.QuerySelectorAll("link[rel~=stylesheet]").Select(l => l.GetAttribute("href")!).ToList();
        Assert.NotEmpty(styleSheets);
        foreach (var href in styleSheets)
        {
            AssertAllowed("style-src", href);
            var css = await client.GetStringAsync(new Uri(pageUri, href), TestContext.Current.CancellationToken);
            foreach (var url in CssUrl().Matches(css).Select(m => m.Groups["url"].Value).Distinct())
            {
                AssertAllowed(url.Contains(".woff", StringComparison.Ordinal) || url.Contains(".ttf", StringComparison.Ordinal) ? "font-src" : "img-src", url);
            }
        }

        foreach (var icon in html.QuerySelectorAll("link[rel~=icon]").Select(l => l.GetAttribute("href")!))
        {
            AssertAllowed("img-src", icon);
        }

        Assert.Empty(html.QuerySelectorAll("style"));
        Assert.Empty(html.QuerySelectorAll("[style]"));
        Assert.DoesNotContain(html.All.SelectMany(e => e.Attributes), a => a.Name.StartsWith("on", StringComparison.Ordinal));

        // index.js fetches the document from its config and builds functions (Function, eval's sibling) only for
        // request/response interceptors: the document must be same-origin, and no interceptor configured.
        var indexJs = await client.GetStringAsync(new Uri(pageUri, "index.js"), TestContext.Current.CancellationToken);
        var config = JsonNode.Parse(Regex.Match(indexJs, @"var configObject = (?<json>\{.*?\});\s*\n", RegexOptions.Singleline).Groups["json"].Value)!;
        foreach (var url in config["urls"]!.AsArray().Select(u => u!["url"]!.GetValue<string>()))
        {
            AssertAllowed("connect-src", url);
        }

        var interceptors = JsonNode.Parse(Regex.Match(indexJs, @"var interceptors = (?<json>\{.*?\});", RegexOptions.Singleline).Groups["json"].Value)!.AsObject();
        Assert.All(interceptors, i => Assert.Null(i.Value));
        Assert.DoesNotContain("'unsafe-eval'", Effective(csp, "script-src"));
    }

    [Fact]
    public async Task OverHttps_EveryCheckPasses_AndTheGradeIsAPlus()
    {
        await fixture.CreateClientAsync();
        var client = fixture.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://api.example.test") });

        var report = await ReportAsync(client);

        Assert.Equal("https", report["scheme"]!.GetValue<string>());
        foreach (var surface in new[] { "api", "swagger_ui" })
        {
            var failed = report[surface]!["checks"]!.AsArray().Where(c => !c!["pass"]!.GetValue<bool>()).Select(c => c!.ToJsonString());
            Assert.Empty(failed);
            Assert.Equal("A+", report[surface]!["grade"]!.GetValue<string>());
            // 100, +10 CSP, +5 framing via CSP, +5 referrer, +5 cookies (browser mode's, all Secure, HttpOnly where they authenticate, SameSite).
            Assert.Equal(125, report[surface]!["score"]!.GetValue<int>());
            Assert.Equal("max-age=31536000; includeSubDomains", report[surface]!["headers"]!["Strict-Transport-Security"]!.GetValue<string>());
        }

        Assert.Equal("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'", report["api"]!["headers"]!["Content-Security-Policy"]!.GetValue<string>());
        Assert.Equal("0", report["api"]!["headers"]!["X-XSS-Protection"]!.GetValue<string>());
        Assert.All(report["cookies"]!.AsArray(), c => Assert.True(c!["pass"]!.GetValue<bool>(), c.ToJsonString()));
    }

    [Fact]
    public async Task OverPlainHttp_HstsIsNotSent_AndItsCheckSaysWhy()
    {
        var client = await fixture.CreateClientAsync();

        var report = await ReportAsync(client);

        var hsts = Check(report["api"]!, "strict-transport-security");
        Assert.False(hsts["pass"]!.GetValue<bool>());
        Assert.Null(hsts["value"]);
        Assert.Contains("plain HTTP", hsts["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(-20, hsts["modifier"]!.GetValue<int>());
        // 100 - 20; the bonuses need a base of 90.
        Assert.Equal(80, report["api"]!["score"]!.GetValue<int>());
        Assert.Equal("B+", report["api"]!["grade"]!.GetValue<string>());
        Assert.False((await client.GetAsync("/health", TestContext.Current.CancellationToken)).Headers.Contains("Strict-Transport-Security"));
    }

    /// <summary>The report reads the policy in force: a configured value shows in the report and on real answers alike.</summary>
    [Fact]
    public async Task AConfiguredHstsMaxAge_ShowsInTheReport_AndOnRealAnswers()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?>
        {
            ["SecurityHeaders:HstsMaxAge"] = "1.00:00:00",
            ["SecurityHeaders:HstsIncludeSubDomains"] = "false",
        });
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://api.example.test") });

        var report = await ReportAsync(client);
        var answer = await client.GetAsync("/health", TestContext.Current.CancellationToken);

        var hsts = Check(report["api"]!, "strict-transport-security");
        Assert.Equal("max-age=86400", hsts["value"]!.GetValue<string>());
        Assert.Equal("max-age=86400", answer.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.False(hsts["pass"]!.GetValue<bool>());
        Assert.Equal(-10, hsts["modifier"]!.GetValue<int>());
        // 100 - 10 is still 90, so the bonuses count (+10 CSP, +5 framing via CSP, +5 referrer, +5 cookies).
        Assert.Equal(115, report["api"]!["score"]!.GetValue<int>());
    }

    /// <summary>A feature that sets a cookie describes it with one registration, and the report checks it.</summary>
    [Fact]
    public async Task ARegisteredCookie_IsChecked()
    {
        await using var factory = new AiprodApiFactory(replaceServices: s => s
            .AddReportedCookie(new ReportedCookie("__Host-bad", "a careless session cookie", Session: true, HttpOnly: false, Secure: true, SameSite: "None", Path: "/api")));
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://api.example.test") });

        var report = await ReportAsync(client);

        var cookies = report["cookies"]!.AsArray();
        Assert.Equal(["__Host-aiprod-refresh", "__Host-aiprod-csrf", "__Host-bad"], cookies.Select(c => c!["name"]!.GetValue<string>()));
        Assert.True(cookies[0]!["pass"]!.GetValue<bool>());
        Assert.Equal("HttpOnly; Secure; SameSite=Strict; Path=/", cookies[0]!["attributes"]!.GetValue<string>());
        Assert.True(cookies[1]!["pass"]!.GetValue<bool>());
        Assert.False(cookies[2]!["pass"]!.GetValue<bool>());
        Assert.Equal(-30, cookies[2]!["modifier"]!.GetValue<int>());
        var reason = cookies[2]!["reason"]!.GetValue<string>();
        Assert.Contains("HttpOnly", reason, StringComparison.Ordinal);
        Assert.Contains("SameSite=None", reason, StringComparison.Ordinal);
        Assert.Contains("Path=/", reason, StringComparison.Ordinal);
        var check = Check(report["api"]!, "cookies");
        Assert.False(check["pass"]!.GetValue<bool>());
        Assert.Equal(-30, check["modifier"]!.GetValue<int>());
    }

    /// <summary>The reported browser-mode cookies are the ones a cookie-mode login really sets.</summary>
    [Fact]
    public async Task TheReportedCookies_AreTheOnesABrowserLoginSets()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://api.example.test"), HandleCookies = false });
        await client.RegisterAsync("ann@example.com");
        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword, refresh_token_delivery = "cookie" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.ReadJsonAsync()).Str("access_token");
        var csrf = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/security/csrf-token").WithBearer(token), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, csrf.StatusCode);
        var set = login.Headers.GetValues("Set-Cookie").Concat(csrf.Headers.GetValues("Set-Cookie")).ToList();

        var report = await ReportAsync(client);

        foreach (var cookie in report["cookies"]!.AsArray())
        {
            var name = cookie!["name"]!.GetValue<string>();
            var sent = Assert.Single(set, c => c.StartsWith(name + "=", StringComparison.Ordinal));
            var attributes = sent.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToHashSet();
            Assert.Equal(cookie["attributes"]!.GetValue<string>().Contains("HttpOnly", StringComparison.Ordinal), attributes.Contains("httponly"));
            Assert.Contains("secure", attributes);
            Assert.Contains("samesite=strict", attributes);
            Assert.Contains("path=/", attributes);
            Assert.DoesNotContain(attributes, a => a.StartsWith("domain=", StringComparison.Ordinal));
        }
    }

    /// <summary>The probe's pipeline is shared by every request: reports made at once are whole and alike.</summary>
    [Fact]
    public async Task ReportsMadeAtOnce_AreAlike()
    {
        await fixture.CreateClientAsync();
        var clients = new[] { "http://localhost", "https://api.example.test" }
            .Select(a => fixture.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(a) }))
            .ToArray();
        var expected = await Task.WhenAll(clients.Select(c => c.GetStringAsync("/security/headers", TestContext.Current.CancellationToken)));

        for (var round = 0; round < 5; round++)
        {
            var reports = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
                clients[i % 2].GetStringAsync("/security/headers", TestContext.Current.CancellationToken)));

            for (var i = 0; i < reports.Length; i++)
            {
                Assert.Equal(expected[i % 2], reports[i]);
            }
        }

        Assert.NotEqual(expected[0], expected[1]);
    }

    [Theory]
    [InlineData(new[] { 0 }, 100, "A+")]
    [InlineData(new[] { 10, 5, 5 }, 120, "A+")]
    [InlineData(new[] { -10, 10 }, 100, "A+")]
    [InlineData(new[] { -11, 10, 5 }, 89, "A-")]
    [InlineData(new[] { -20, 10 }, 80, "B+")]
    [InlineData(new[] { -25, -20, -20, -5, 10 }, 30, "D")]
    [InlineData(new[] { -25, -20, -20, -20, -40 }, 0, "F")]
    public void Scoring_AddsBonusesOnlyFromABaseOf90(int[] modifiers, int score, string grade)
    {
        var checks = modifiers.Select(m => new HeaderCheckDto("t", "h", null, "e", m >= 0, m, "r"));

        Assert.Equal(score, SecurityHeaderReporter.ScoreOf(checks));
        Assert.Equal(grade, SecurityHeaderReporter.GradeOf(score));
    }

    [Fact]
    public async Task TheReport_IsRateLimited()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:public-read"] = "2" });
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/security/headers", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/security/policy", TestContext.Current.CancellationToken)).StatusCode);
        var limited = await client.GetAsync("/security/headers", TestContext.Current.CancellationToken);

        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited.Headers.Contains("Retry-After"));
    }

    private static async Task<JsonObject> ReportAsync(HttpClient client)
    {
        var response = await client.GetAsync("/security/headers", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private static JsonNode Check(JsonNode surface, string test) =>
        surface["checks"]!.AsArray().Single(c => c!["test"]!.GetValue<string>() == test)!;

    /// <summary>The reported headers are on the answer with the same values, and no checked header is on it unreported.</summary>
    private static void AssertCarries(JsonNode surface, HttpResponseMessage answer)
    {
        var reported = surface["headers"]!.AsObject().ToDictionary(h => h.Key, h => h.Value!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.NotEmpty(reported);
        var where = $"{answer.RequestMessage!.RequestUri} ({(int)answer.StatusCode})";
        foreach (var (name, value) in reported)
        {
            Assert.True(answer.Headers.TryGetValues(name, out var sent), $"{where} lacks {name}");
            Assert.Equal(value, string.Join(", ", sent));
        }

        foreach (var name in CheckedHeaders.Where(n => !reported.ContainsKey(n)))
        {
            Assert.False(answer.Headers.Contains(name), $"{where} carries {name}, which the report says is not sent");
        }

        foreach (var check in surface["checks"]!.AsArray().Where(c => c!["header"]!.GetValue<string>() != "Set-Cookie"))
        {
            var header = check!["header"]!.GetValue<string>();
            Assert.Equal(check["value"]?.GetValue<string>(), answer.Headers.TryGetValues(header, out var sent) ? string.Join(", ", sent) : null);
        }
    }

    private static Dictionary<string, string[]> ParseCsp(string header) =>
        header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(d => d[0], d => d[1..]);

    private static string[] Effective(Dictionary<string, string[]> csp, string directive) =>
        csp.TryGetValue(directive, out var own) ? own : csp.GetValueOrDefault("default-src", []);
}
