using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Aiprod.Functional.Tests.Infrastructure;

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
