using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Api;

public sealed partial class OperationsTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    // "{user_id:guid}" in a route is "{user_id}" in the document.
    [System.Text.RegularExpressions.GeneratedRegex(@":[^}]+\}")]
    private static partial System.Text.RegularExpressions.Regex RouteConstraint();

    [Fact]
    public async Task Root_GivesNameVersionAndLinks()
    {
        var client = await fixture.CreateClientAsync();

        var root = JsonNode.Parse(await client.GetStringAsync("/", TestContext.Current.CancellationToken))!;

        Assert.Equal("Aiprod API", root["name"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(root["version"]!.GetValue<string>()));
        Assert.Equal("/swagger", root["links"]!["docs"]!.GetValue<string>());
    }

    [Fact]
    public async Task Health_AndReadiness_AreUp()
    {
        var client = await fixture.CreateClientAsync();

        var live = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var ready = JsonNode.Parse(await client.GetStringAsync("/health/ready", TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("healthy", ready["status"]!.GetValue<string>());
        Assert.Equal("healthy", ready["checks"]!["database"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheEmbeddedDatabase_IsAFileInTheDataFolder()
    {
        await fixture.CreateClientAsync();

        Assert.True(File.Exists(Path.Combine(fixture.Factory.DataFolder, "aiprod.db")));
        Assert.True(File.Exists(Path.Combine(fixture.Factory.DataFolder, "jwt-signing-key.pem")));
    }

    [Fact]
    public async Task ApiResponses_CarryTheSecurityHeaders()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.GetAsync("/auth/me", TestContext.Current.CancellationToken);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task SwaggerUi_RendersUnderItsOwnPolicy()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.GetAsync("/swagger/index.html", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwaggerDocument_ListsEveryEndpointWithItsAuthAndRateLimit()
    {
        var client = await fixture.CreateClientAsync();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken))!;
        var paths = document["paths"]!.AsObject();

        var actions = fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<ControllerActionDescriptor>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods
                .Select(m => (Path: "/" + RouteConstraint().Replace(e.RoutePattern.RawText!.TrimStart('/'), "}"), Method: m.ToLowerInvariant())))
            .ToList();
        Assert.NotEmpty(actions);
        foreach (var (path, method) in actions)
        {
            Assert.True(paths[path]?[method] is not null, $"{method.ToUpperInvariant()} {path} is not in the Swagger document");
        }

        var me = paths["/auth/me"]!["get"]!;
        Assert.Equal("Bearer", me["security"]![0]!.AsObject().Single().Key);
        Assert.NotNull(me["responses"]!["401"]);
        Assert.Contains("Rate limit", paths["/auth/login"]!["post"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        // Anonymous routes say so (`security: []`) rather than leave it out.
        Assert.Empty(paths["/auth/login"]!["post"]!["security"]!.AsArray());
        Assert.Equal("http", document["components"]!["securitySchemes"]!["Bearer"]!["type"]!.GetValue<string>());
        Assert.Equal("X-API-Key", document["components"]!["securitySchemes"]!["ApiKey"]!["name"]!.GetValue<string>());

        // Alternatives per endpoint: a scope endpoint takes a token or a key; a worker endpoint a key; key management a token.
        static string[] Schemes(JsonNode operation) => operation["security"]!.AsArray().Select(r => r!.AsObject().Single().Key).ToArray();
        Assert.Equal(["Bearer", "ApiKey"], Schemes(paths["/pipeline/run"]!["post"]!));
        Assert.Equal(["ApiKey"], Schemes(paths["/pipeline/worker/claim"]!["post"]!));
        Assert.Equal(["Bearer"], Schemes(paths["/api-keys/create"]!["post"]!));
        Assert.Contains("jobs:write", paths["/pipeline/run"]!["post"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(paths["/ws/job/{job_id}"]!["get"]!["responses"]!["101"]);
        Assert.Contains("`pipeline:worker`", paths["/pipeline/worker/claim"]!["post"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwaggerDocument_ListsEachClosedSet_ByTheStringsTheApiTakes()
    {
        var client = await fixture.CreateClientAsync();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken))!;
        var schemas = document["components"]!["schemas"]!;
        static string[] Values(JsonNode schema) => schema["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
        static string Ref(JsonNode schema) => schema["$ref"]!.GetValue<string>();

        Assert.Equal(["debug", "info", "warning", "error"], Values(schemas["JobLogLevel"]!));
        Assert.Equal(["exports:read", "jobs:read", "jobs:write", "pipeline:worker"], Values(schemas["ApiKeyScope"]!));
        Assert.Equal(["-created_at", "created_at", "priority", "-priority", "updated_at", "-updated_at"], Values(schemas["JobSortOrder"]!));
        Assert.Equal(["quick_social", "brand_campaign", "premium_spot"], Values(schemas["JobPreset"]!));
        Assert.Equal("#/components/schemas/JobLogLevel", Ref(schemas["LogLine"]!["properties"]!["level"]!));
        Assert.Equal("#/components/schemas/JobLogLevel", Ref(schemas["JobLogDto"]!["properties"]!["level"]!));
        Assert.Equal("#/components/schemas/ApiKeyScope", Ref(schemas["CreateApiKeyRequest"]!["properties"]!["scopes"]!["items"]!));
        Assert.Equal("#/components/schemas/ApiKeyScope", Ref(schemas["ApiKeyDto"]!["properties"]!["scopes"]!["items"]!));
        var sort = document["paths"]!["/pipeline/jobs"]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "sort")!;
        Assert.Equal("#/components/schemas/JobSortOrder", Ref(sort["schema"]!));
    }
}

/// <summary>A host with tiny limits, so the limiter itself can be seen.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task BeyondTheLimit_Is429WithRetryAfter()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:auth"] = "3" });
        var client = factory.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            var allowed = await client.GetAsync("/auth/me", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, allowed.StatusCode);
        }

        var limited = await client.GetAsync("/auth/me", TestContext.Current.CancellationToken);

        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
    }

    [Fact]
    public async Task Limits_ArePerCaller()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:auth"] = "4" });
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");
        var token = await client.LoginAsync("ann@example.com");
        // Two of the anonymous caller's four are spent; the user's own partition is fresh.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/me", TestContext.Current.CancellationToken)).StatusCode);
    }
}
