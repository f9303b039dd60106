using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Aiprod.Api.Controllers;
using Aiprod.Api.Csrf;
using Aiprod.Api.Http;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions.Commands.Logout;
using Aiprod.Application.Sessions.Queries.FindRefreshSession;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Csrf;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.OpenApi;

/// <summary>
/// The document's examples: the meaning of enum values, and the problems each answer can be, proven against the
/// problems the routes really answer.
/// </summary>
public sealed class OpenApiExampleTests
{
    [Fact]
    public async Task AnEnumMembersDocComment_ShowsUpInTheDocument()
    {
        var summaries = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "Aiprod.Domain.xml")).Descendants("member")
            .ToDictionary(m => m.Attribute("name")!.Value, m => m.Element("summary")?.Value.Trim());
        await using var host = OpenApiRepository.PublishedConfigurationHost();
        var jobStatus = (await OpenApiRepository.ServedDocumentAsync(host))["components"]!["schemas"]!["JobStatus"]!;

        var queued = summaries["F:Aiprod.Domain.Jobs.JobStatus.Queued"];
        Assert.False(string.IsNullOrEmpty(queued));
        Assert.Equal(queued, jobStatus["x-enumDescriptions"]!["queued"]!.GetValue<string>());
        Assert.Contains($"- `queued`: {queued}", jobStatus["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryEnumValue_SaysWhatItMeans()
    {
        foreach (var (name, schema) in OpenApiRepository.CheckedInDocument()["components"]!["schemas"]!.AsObject())
        {
            if (schema!["enum"] is not JsonArray values)
            {
                continue;
            }

            var meanings = schema["x-enumDescriptions"]?.AsObject();
            foreach (var value in values.Select(v => v!.GetValue<string>()))
            {
                Assert.True(meanings?[value] is JsonValue meaning && !string.IsNullOrWhiteSpace(meaning.GetValue<string>()),
                    $"{name}: `{value}` has no meaning; write a <summary> on its enum member");
            }
        }
    }

    [Fact]
    public void EverySuccessAnswerWithABody_HasAnExample_ThatFitsItsSchema()
    {
        var document = OpenApiRepository.CheckedInDocument();
        var exemplified = 0;
        foreach (var (where, operation) in OpenApiDocumentTests.Operations(document))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                foreach (var (media, content) in status.StartsWith('2') ? response!["content"]?.AsObject() ?? [] : [])
                {
                    // A file's bytes (a download) have no example a document could hold.
                    if (content!["schema"]?["format"]?.GetValue<string>() == "binary")
                    {
                        continue;
                    }

                    var example = content["example"];
                    Assert.True(example is not null, $"{where} {status} ({media}) has no example: give its type a property in ResponseExamples");
                    var problems = SchemaCheck.Problems(document, content["schema"]!, example, $"{where} {status} ({media}) example").ToList();
                    Assert.True(problems.Count == 0, string.Join("\n", problems));
                    exemplified++;
                }
            }
        }

        Assert.True(exemplified > 50, $"only {exemplified} success answers have an example");
    }

    [Fact]
    public void TheSchemaCheck_FindsAnExampleThatBreaksItsSchema()
    {
        // The check above is able to fail: a key with a wrong enum value and a field the schema does not have.
        var document = OpenApiRepository.CheckedInDocument();
        var content = document["paths"]!["/api-keys/create"]!["post"]!["responses"]!["201"]!["content"]!["application/json"]!;
        var example = content["example"]!.DeepClone();
        Assert.Empty(SchemaCheck.Problems(document, content["schema"]!, example, "#"));

        example["api_key"]!["status"] = "paused";
        example["surplus"] = 1;
        var problems = SchemaCheck.Problems(document, content["schema"]!, example, "#").ToList();

        Assert.Contains(problems, p => p.Contains("\"paused\" is not one of", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("surplus is not a property", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryProblemAnswer_NamesItsProblemsAsExamples()
    {
        foreach (var (where, operation) in OpenApiDocumentTests.Operations(OpenApiRepository.CheckedInDocument()))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (response!["content"]?["application/problem+json"] is not { } problem)
                {
                    continue;
                }

                var examples = problem["examples"]?.AsObject();
                Assert.True(examples is { Count: > 0 }, $"{where} {status} names no problem: declare it with [Answers(typeof(…Errors), nameof(…))]");
                foreach (var (code, example) in examples)
                {
                    var value = example!["value"]!;
                    Assert.Equal(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), value["status"]!.GetValue<int>());
                    Assert.False(string.IsNullOrEmpty(value["title"]?.GetValue<string>()), $"{where} {status} {code} has no title");
                }
            }
        }
    }

    /// <summary>
    /// The queue cap's and the in-flight key's 409s, the reused key's 422, an API key's 404 and a login's 401: each
    /// provoked over HTTP, its body compared with the example of that code in the served document.
    /// </summary>
    [Fact]
    public async Task TheDeclaredProblems_AreTheOnesTheRoutesAnswer()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Jobs:MaxQueuedPerUser"] = "1" });
        var client = factory.CreateClient();
        var document = await OpenApiRepository.ServedDocumentAsync(factory);
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var job = new { content = "A 30 second teaser for a coffee brand", preset = "quick_social" };

        var first = await RunAsync(client, token, "key-1", job);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var reused = await RunAsync(client, token, "key-1", new { content = "Another body for the same key", preset = "quick_social" });
        AssertMatches(document, "/pipeline/run", "post", await reused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused"), sameDetail: true);
        var capped = await RunAsync(client, token, "key-2", job);
        AssertMatches(document, "/pipeline/run", "post", await capped.AssertProblemAsync(HttpStatusCode.Conflict, "too_many_queued_jobs"), sameDetail: false);

        var revoke = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{Guid.NewGuid()}/revoke", token, new { });
        AssertMatches(document, "/api-keys/{key_id}/revoke", "post", await revoke.AssertProblemAsync(HttpStatusCode.NotFound, "api_key_not_found"), sameDetail: true);

        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "not the password at all" }, TestContext.Current.CancellationToken);
        AssertMatches(document, "/auth/login", "post", await login.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials"), sameDetail: true);

        var anonymous = await client.GetAsync("/pipeline/jobs", TestContext.Current.CancellationToken);
        AssertMatches(document, "/pipeline/jobs", "get", await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated"), sameDetail: false);
    }

    /// <summary>
    /// Problems declared once their errors had a definition, each provoked over HTTP and compared with the example of its
    /// code in the served document: an admin's 404s and 409, a worker's 404 and 409, a socket handshake refused before
    /// the upgrade, and the CSRF routes' 401.
    /// </summary>
    [Fact]
    public async Task TheAdminWorkerSocketAndCsrfProblems_AreTheOnesTheRoutesAnswer()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        var document = await OpenApiRepository.ServedDocumentAsync(factory);
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var annId = (await (await client.GetWithTokenAsync("/auth/me", ann)).ReadJsonAsync()).Str("id");
        var reason = new { reason = "Support ticket 4711" };

        var noUser = await client.GetWithTokenAsync($"/admin/users/{Guid.NewGuid()}", admin);
        AssertMatches(document, "/admin/users/{user_id}", "get", await noUser.AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found"), sameDetail: true);
        var notDisabled = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{annId}/enable", admin, reason);
        AssertMatches(document, "/admin/users/{user_id}/enable", "post", await notDisabled.AssertProblemAsync(HttpStatusCode.Conflict, "not_disabled"), sameDetail: true);
        var noJob = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/jobs/{Guid.NewGuid()}/requeue", admin, reason);
        AssertMatches(document, "/admin/jobs/{job_id}/requeue", "post", await noJob.AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found"), sameDetail: true);

        // A worker reporting on a job its owner cancelled under it, and on a job it does not hold.
        var workerKey = await client.WorkerKeyAsync(ann);
        var jobId = await client.SubmitAsync(ann);
        Assert.Equal(jobId, (await client.ClaimAsync(workerKey))!.Str("job_id"));
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{jobId}/cancel", ann, new { })).StatusCode);
        var cancelled = await client.WorkerPostAsync(workerKey, $"/pipeline/worker/jobs/{jobId}/progress", new { progress = 50 });
        AssertMatches(document, "/pipeline/worker/jobs/{job_id}/progress", "post", await cancelled.AssertProblemAsync(HttpStatusCode.Conflict, "job_not_running"), sameDetail: true);
        var notHeld = await client.WorkerPostAsync(workerKey, $"/pipeline/worker/jobs/{Guid.NewGuid()}/complete", new { output = new { video_url = "https://cdn.example.com/a.mp4" } });
        AssertMatches(document, "/pipeline/worker/jobs/{job_id}/complete", "post", await notHeld.AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found"), sameDetail: true);

        // A socket's handshake asked for without the upgrade.
        var plain = await client.GetWithTokenAsync($"/ws/job/{jobId}", ann);
        AssertMatches(document, "/ws/job/{job_id}", "get", await plain.AssertProblemAsync(HttpStatusCode.BadRequest, "websocket_required"), sameDetail: true);

        var noSession = await client.GetAsync("/security/csrf-token", TestContext.Current.CancellationToken);
        AssertMatches(document, "/security/csrf-token", "get", await noSession.AssertProblemAsync(HttpStatusCode.Unauthorized, "session_required"), sameDetail: true);
    }

    /// <summary>
    /// The CSRF guard's refusals, provoked in browser mode and compared with the served examples: a cross-site
    /// login, a cookie refresh without the token, and a logout with a token a csrf-refresh superseded.
    /// </summary>
    [Fact]
    public async Task TheCsrfRefusals_AreTheOnesTheGuardedRoutesAnswer()
    {
        await using var factory = new AiprodApiFactory();
        var document = await OpenApiRepository.ServedDocumentAsync(factory);
        var browser = new BrowserClient(factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = new Uri("https://localhost") }));
        await browser.Http.RegisterAsync("ann@example.com");

        var planted = await browser.SendAsync(HttpMethod.Post, "/auth/login",
            new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword, refresh_token_delivery = "cookie" }, fetchSite: "cross-site");
        AssertMatches(document, "/auth/login", "post", await planted.AssertProblemAsync(HttpStatusCode.Forbidden, "cross_site_request"), sameDetail: true);

        await browser.LoginAsync("ann@example.com");
        var missing = await browser.RefreshAsync(csrf: null);
        AssertMatches(document, "/auth/refresh", "post", await missing.AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_missing"), sameDetail: true);

        var stale = await browser.CsrfTokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: stale)).StatusCode);
        var superseded = await browser.LogoutAsync(stale);
        AssertMatches(document, "/auth/logout", "post", await superseded.AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded"), sameDetail: true);
        var again = await browser.SendAsync(HttpMethod.Post, "/security/csrf-refresh", csrf: stale);
        AssertMatches(document, "/security/csrf-refresh", "post", await again.AssertProblemAsync(HttpStatusCode.Forbidden, "csrf_superseded"), sameDetail: true);
    }

    /// <summary>
    /// The routes the guard runs on are the ones marked <see cref="CsrfGuardedAttribute"/> (it refuses to run on any
    /// other); each names on its 403 every refusal its checks can give, with the definition's body, and no other
    /// operation names one.
    /// </summary>
    [Fact]
    public async Task EveryRouteTheCsrfGuardCovers_NamesItsRefusals_AndNoOtherDoes()
    {
        await using var factory = new AiprodApiFactory();
        var document = await OpenApiRepository.ServedDocumentAsync(factory);
        var guarded = factory.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(g => g.Items)
            .Where(d => d.ActionDescriptor.EndpointMetadata.OfType<CsrfGuardedAttribute>().Any())
            .ToDictionary(d => $"{d.HttpMethod} /{d.RelativePath}", d => d.ActionDescriptor.EndpointMetadata.OfType<CsrfGuardedAttribute>().Single().Checks);
        Assert.Equal(
            ["POST /auth/login", "POST /auth/logout", "POST /auth/refresh", "POST /security/csrf-refresh"],
            guarded.Keys.Order(StringComparer.Ordinal));

        var csrfCodes = PipelineProblems.CsrfRefusals(CsrfChecks.SiteAndToken).Select(p => p.Code).ToHashSet(StringComparer.Ordinal);
        var checkedRoutes = 0;
        foreach (var (where, operation) in OpenApiDocumentTests.Operations(document))
        {
            var examples = operation["responses"]?["403"]?["content"]?["application/problem+json"]?["examples"]?.AsObject();
            var named = examples?.Select(e => e.Key).Where(csrfCodes.Contains).ToHashSet(StringComparer.Ordinal) ?? [];
            if (!guarded.TryGetValue(where, out var checks))
            {
                Assert.True(named.Count == 0, $"{where} names CSRF refusals ({string.Join(", ", named)}) but the guard does not run there");
                continue;
            }

            checkedRoutes++;
            var refusals = PipelineProblems.CsrfRefusals(checks);
            Assert.Equal(refusals.Select(r => r.Code).Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
            foreach (var refusal in refusals)
            {
                var value = examples![refusal.Code]!["value"]!;
                Assert.Equal(refusal.Title, value["title"]!.GetValue<string>());
                Assert.Equal(refusal.Detail, value["detail"]!.GetValue<string>());
                Assert.Equal(ProblemTypes.For(refusal.Code), value["type"]!.GetValue<string>());
            }
        }

        Assert.Equal(guarded.Count, checkedRoutes);

        // Run anywhere else, the guard stops the request rather than answer a refusal the document does not name.
        var guard = factory.Services.GetRequiredService<CsrfGuard>();
        Assert.Throws<InvalidOperationException>(() => guard.GuardSite(new DefaultHttpContext()));
        var siteOnly = new DefaultHttpContext();
        siteOnly.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new CsrfGuardedAttribute(CsrfChecks.Site)), "site only"));
        Assert.Null(guard.GuardSite(siteOnly));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await guard.GuardAsync(siteOnly, new SessionId(Guid.NewGuid()), new UserId(Guid.NewGuid())));
    }

    /// <summary>
    /// A command run under the conflict retry whose retries all lose answers 409 <c>concurrent_update</c>: every commit
    /// of this host conflicts once the switch is on, and a job's cancellation, an API key's revocation and a
    /// cookie-less refresh are each compared with their served example.
    /// </summary>
    [Fact]
    public async Task ConcurrentUpdate_IsTheAnswerTheRetriedCommandsGive_WhereTheDocumentNamesIt()
    {
        var conflicts = new ConflictSwitch();
        await using var factory = new AiprodApiFactory(replaceServices: services => conflicts.Wrap(services));
        var client = factory.CreateClient();
        var document = await OpenApiRepository.ServedDocumentAsync(factory);
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var jobId = await client.SubmitAsync(token);
        var key = (await (await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = "ci" })).ReadJsonAsync())["api_key"]!.AsObject().Str("key_id");
        var login = await (await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken)).ReadJsonAsync();

        conflicts.On = true;
        var cancel = await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{jobId}/cancel", token, new { });
        AssertMatches(document, "/pipeline/job/{job_id}/cancel", "post", await cancel.AssertProblemAsync(HttpStatusCode.Conflict, "concurrent_update"), sameDetail: true);
        var revoke = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{key}/revoke", token, new { });
        AssertMatches(document, "/api-keys/{key_id}/revoke", "post", await revoke.AssertProblemAsync(HttpStatusCode.Conflict, "concurrent_update"), sameDetail: true);
        var refresh = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = login.Str("refresh_token") }, TestContext.Current.CancellationToken);
        AssertMatches(document, "/auth/refresh", "post", await refresh.AssertProblemAsync(HttpStatusCode.Conflict, "concurrent_update"), sameDetail: true);
        Assert.True(conflicts.Refused >= 9, $"only {conflicts.Refused} commits were refused; each command should have run three times");

        // The document finds the commands in the actions' code, through their async state machines and the private
        // helpers they await (a logout's session lookup is in one).
        var logout = ConstructedTypes.By(typeof(AuthController).GetMethod(nameof(AuthController.Logout))!);
        Assert.Contains(typeof(LogoutCommand), logout);
        Assert.Contains(typeof(FindRefreshSessionQuery), logout);

        // A login retries too, but answers invalid_credentials when its runs are spent: its 409s, if any, are not this.
        Assert.Null(document["paths"]!["/auth/login"]!["post"]!["responses"]!["409"]?["content"]?["application/problem+json"]?["examples"]?["concurrent_update"]);
    }

    /// <summary>Makes every commit of the host lose its race while <see cref="On"/>.</summary>
    private sealed class ConflictSwitch
    {
        private int refused;
        private volatile bool on;

        public bool On
        {
            get => on;
            set => on = value;
        }

        public int Refused => refused;

        public void Wrap(IServiceCollection services)
        {
            var original = services.Last(d => d.ServiceType == typeof(IUnitOfWork));
            services.Remove(original);
            services.AddScoped<IUnitOfWork>(sp => new Conflicting((IUnitOfWork)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!), this));
        }

        private sealed class Conflicting(IUnitOfWork inner, ConflictSwitch owner) : IUnitOfWork
        {
            public Task<IReadOnlyList<IDomainEvent>> SaveChangesAsync(CancellationToken cancellationToken)
            {
                if (!owner.On)
                {
                    return inner.SaveChangesAsync(cancellationToken);
                }

                Interlocked.Increment(ref owner.refused);
                throw new ConcurrencyConflictException("The switch is on.");
            }

            public Task BeginWriteAsync(CancellationToken cancellationToken) => inner.BeginWriteAsync(cancellationToken);

            public Task AbandonAsync() => inner.AbandonAsync();

            public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

            public Task EndAsync() => inner.EndAsync();
        }
    }

    private static Task<HttpResponseMessage> RunAsync(HttpClient client, string token, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pipeline/run") { Content = JsonContent.Create(body) }.WithBearer(token);
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The answer is the example of its code: the same members, type, title and status (and detail, where the error's
    /// message takes no value of the deployment's). The trace id and the instance are the request's own.
    /// </summary>
    private static void AssertMatches(JsonNode document, string path, string method, JsonObject answer, bool sameDetail)
    {
        var type = answer["type"]!.GetValue<string>();
        var code = type[(type.LastIndexOf(':') + 1)..];
        var status = answer["status"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var example = document["paths"]![path]![method]!["responses"]![status]?["content"]?["application/problem+json"]?["examples"]?[code]?["value"]?.AsObject();

        Assert.True(example is not null, $"{method.ToUpperInvariant()} {path} answers {status} {code}, which its document does not name");
        Assert.Equal(example.Select(p => p.Key).Order(StringComparer.Ordinal), answer.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var member in sameDetail ? new[] { "type", "title", "status", "detail" } : ["type", "title", "status"])
        {
            Assert.True(JsonNode.DeepEquals(example[member], answer[member]), $"{path} {code}: {member} is {answer[member]?.ToJsonString()}, the example says {example[member]?.ToJsonString()}");
        }
    }
}
