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
