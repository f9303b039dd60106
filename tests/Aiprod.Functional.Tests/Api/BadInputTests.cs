using System.Net;
using System.Net.Http.Json;
using System.Text;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Api;

/// <summary>Bad input gets a 4xx problem that says what is wrong, never a 500 or a leak.</summary>
public sealed class BadInputTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task MalformedJson_Is400NamingTheBody()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.PostAsync("/auth/register", Json("{\"email\": \"ann@example.com\", "), TestContext.Current.CancellationToken);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]);
    }

    [Fact]
    public async Task WrongType_Is400NamingTheField()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.PostAsync("/auth/register", Json("{\"email\": 42, \"password\": \"correct horse battery\"}"), TestContext.Current.CancellationToken);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["email"]);
        Assert.DoesNotContain("System.", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"email\": \"ann@example.com\", \"password\": \"correct horse battery\", \"email\": \"eve@example.com\"}", "email")]
    [InlineData("{\"email\": \"ann@example.com\", \"password\": \"a first passphrase\", \"password\": \"correct horse battery\"}", "password")]
    [InlineData("{\"email\": \"ann@example.com\", \"password\": \"correct horse battery\", \"display_name\": \"Ann\", \"display_name\": \"Eve\"}", "display_name")]
    public async Task DuplicateProperty_Is400NamingIt(string body, string field)
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.PostAsync("/auth/register", Json(body), TestContext.Current.CancellationToken);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var messages = problem["errors"]![field]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.Contains(messages, m => m.Contains("more than once", StringComparison.Ordinal));
        Assert.DoesNotContain("System.", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownValueThatSaysDuplicate_IsNamedUnknown_NotADuplicateProperty()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync($"dup-{Guid.NewGuid():N}@example.com");
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        // The client's own text ("Duplicate", a property named so) must not decide which refusal it gets.
        var unknown = await client.PostAsync("/api-keys/create", Json("{\"name\": \"ci\", \"scopes\": [\"Duplicate\"]}"), TestContext.Current.CancellationToken);
        var wrongType = await client.PostAsync("/api-keys/create", Json("{\"name\": {\"Duplicate\": 1}, \"scopes\": [\"jobs:read\"]}"), TestContext.Current.CancellationToken);

        var unknownProblem = await unknown.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var unknownMessage = Assert.Single(unknownProblem["errors"]!.AsObject()).Value!.AsArray().Single()!.GetValue<string>();
        Assert.Contains("jobs:read", unknownMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("more than once", unknownMessage, StringComparison.Ordinal);
        var wrongTypeProblem = await wrongType.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.DoesNotContain("more than once", wrongTypeProblem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingFields_Are400NamingEachField()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.PostAsync("/auth/register", Json("{}"), TestContext.Current.CancellationToken);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["email"]);
        Assert.NotNull(problem["errors"]!["password"]);
    }

    [Fact]
    public async Task EmptyBody_Is400()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.PostAsync("/auth/login", Json(""), TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task PolicyViolations_Are400WithTheRuleInTheMessage()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.PostAsJsonAsync("/auth/register", new { email = "ann@example.com", password = "ann@example.com" }, TestContext.Current.CancellationToken);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("email", problem["errors"]!["password"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerComplete_WithAnEmptyObject_Is400NamingOutput()
    {
        var job = await RunningJobAsync();

        var response = await job.Client.WorkerPostAsync(job.Worker, $"/pipeline/worker/jobs/{job.Id}/complete", new { });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["output"]);
        Assert.Equal("running", await job.StatusAsync());
    }

    [Fact]
    public async Task WorkerProgress_WithoutProgress_Is400NamingProgress()
    {
        var job = await RunningJobAsync();

        var response = await job.Client.WorkerPostAsync(job.Worker, $"/pipeline/worker/jobs/{job.Id}/progress", new { message = "no number" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["progress"]);
    }

    [Fact]
    public async Task WorkerLogs_WithANullLine_Is400NamingTheLine_AndNothingIsLogged()
    {
        var job = await RunningJobAsync();
        var events = await fixture.Factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.JobEvents));

        var response = await job.PostRawAsync("logs", "{\"lines\":[{\"level\":\"info\",\"message\":\"ok\"},null]}");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["lines[1]"]);
        Assert.Equal(events, await fixture.Factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.JobEvents)));
    }

    [Fact]
    public async Task WorkerComplete_WithALoneSurrogateInTheOutput_Is400_AndTheJobStaysReadable()
    {
        var job = await RunningJobAsync();

        var response = await job.PostRawAsync("complete", "{\"output\":{\"name\":\"\\ud800\"}}");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["output"]);
        Assert.Equal("running", await job.StatusAsync());
    }

    [Fact]
    public async Task NumbersAsStrings_AndEnumsAsNumbers_Are400()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var asString = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token, new { content = "x", duration_sec = "30" });
        var asNumber = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token, new { content = "x", preset = 1 });

        Assert.NotNull((await asString.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!["duration_sec"]);
        Assert.NotNull((await asNumber.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!["preset"]);
    }

    [Fact]
    public async Task TwoApiKeyHeaders_Are401_EvenWhenOneIsValid()
    {
        var client = await fixture.CreateClientAsync();
        var key = (await client.CreateApiKeyAsync(await client.RegisterAndLoginAsync("ann@example.com"))).Str("key");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api-keys/current");
        request.Headers.TryAddWithoutValidation("X-API-Key", [key, key]);

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_invalid");
        Assert.Contains("one X-API-Key", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FrameworkProblems_SayWhatIsWrong()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var noRoute = await client.GetWithTokenAsync("/pipeline/job/not-a-guid", token);
        var wrongMethod = await client.SendWithTokenAsync(HttpMethod.Put, "/auth/me", token);
        var wrongType = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/pipeline/run") { Content = new StringContent("x", Encoding.UTF8, "text/plain") }.WithBearer(token), TestContext.Current.CancellationToken);
        var forbidden = await client.GetWithTokenAsync("/ws/stats", token);

        Assert.Contains("GUID", (await noRoute.AssertProblemAsync(HttpStatusCode.NotFound))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("PUT", (await wrongMethod.AssertProblemAsync(HttpStatusCode.MethodNotAllowed))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("application/json", (await wrongType.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("role", (await forbidden.AssertProblemAsync(HttpStatusCode.Forbidden))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private async Task<RunningJob> RunningJobAsync()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        await client.SubmitAsync(token);
        var claimed = await client.ClaimAsync(worker);
        return new RunningJob(client, token, worker, claimed!.Str("job_id"));
    }

    private sealed record RunningJob(HttpClient Client, string OwnerToken, string Worker, string Id)
    {
        public async Task<string> StatusAsync() => (await (await Client.GetWithTokenAsync($"/pipeline/job/{Id}", OwnerToken)).ReadJsonAsync()).Str("status");

        public Task<HttpResponseMessage> PostRawAsync(string report, string json)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/pipeline/worker/jobs/{Id}/{report}") { Content = Json(json) };
            request.Headers.Add("X-API-Key", Worker);
            return Client.SendAsync(request);
        }
    }

    [Fact]
    public async Task HugeBody_Is413AndNothingIsStored()
    {
        var client = await fixture.CreateClientAsync();
        var huge = "{\"email\":\"ann@example.com\",\"password\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";

        var response = await client.PostAsync("/auth/register", Json(huge), TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Users)));
    }

    [Fact]
    public async Task UnknownRoute_Is404Problem()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.GetAsync("/no/such/route", TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WrongMethod_Is405Problem()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.DeleteAsync("/auth/login", TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task UnsupportedMediaType_Is415Problem()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.PostAsync("/auth/login", new StringContent("email=a&password=b", Encoding.UTF8, "application/x-www-form-urlencoded"), TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }
}

/// <summary>A broken database gives a 500 that carries no internals; this host's database is broken on purpose.</summary>
public sealed class InternalErrorTests
{
    [Fact]
    public async Task ServerFailure_Is500WithoutInternals()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        await factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database, "DROP TABLE users"));

        var response = await client.PostAsJsonAsync("/auth/register", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);

        var problem = await response.AssertProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        var text = problem.ToJsonString();
        Assert.DoesNotContain("SQLite", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("no such table", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }
}
