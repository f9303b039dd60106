using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Aiprod.Api.Setup;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Security;

/// <summary><c>GET /security/policy</c>: the configuration in force, never a secret.</summary>
public sealed class SecurityPolicyReportTests
{
    [Fact]
    public async Task ThePolicy_IsTheLiveConfiguration()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?>
        {
            ["Jwt:AccessTokenLifetime"] = "00:07:00",
            ["Jwt:Issuer"] = "issuer-under-test",
            ["Auth:RefreshTokens:TokenLifetime"] = "2.00:00:00",
            ["Auth:RefreshTokens:FamilyLifetime"] = "9.00:00:00",
            ["Auth:RefreshTokens:ReuseLeeway"] = "00:00:17",
            ["Auth:Passwords:Iterations"] = "123456",
            ["Auth:Lockout:MaxFailedAttempts"] = "4",
            ["Auth:Lockout:Duration"] = "00:03:00",
            ["ApiKeys:DefaultLifetimeDays"] = "11",
            ["ApiKeys:MaxLifetimeDays"] = "22",
            ["ApiKeys:MaxActiveKeysPerUser"] = "7",
            ["ApiKeys:FailedLookups:PerAddress"] = "13",
            ["RateLimits:Window"] = "00:02:00",
            ["RateLimits:Policies:public-read"] = "77",
            ["WebSockets:MaxSocketsPerUser"] = "9",
            ["WebSockets:AllowedOrigins:0"] = "https://app.example.test",
            ["Exports:MaxZipJobs"] = "42",
            ["Exports:MaxBytes"] = "5000",
        });
        var client = factory.CreateClient();

        var policy = await PolicyAsync(client);

        Assert.Equal(420, policy["access_tokens"]!["lifetime_seconds"]!.GetValue<long>());
        Assert.Equal("issuer-under-test", policy["access_tokens"]!["issuer"]!.GetValue<string>());
        Assert.Equal("ES256", policy["access_tokens"]!["algorithm"]!.GetValue<string>());
        Assert.Equal(172_800, policy["refresh_tokens"]!["token_lifetime_seconds"]!.GetValue<long>());
        Assert.Equal(777_600, policy["refresh_tokens"]!["family_lifetime_seconds"]!.GetValue<long>());
        Assert.Equal(17, policy["refresh_tokens"]!["reuse_leeway_seconds"]!.GetValue<long>());
        Assert.Equal(123_456, policy["passwords"]!["hashing"]!["iterations"]!.GetValue<int>());
        Assert.Equal(12, policy["passwords"]!["min_length"]!.GetValue<int>());
        Assert.Equal(4, policy["lockout"]!["max_failed_attempts"]!.GetValue<int>());
        Assert.Equal(180, policy["lockout"]!["duration_seconds"]!.GetValue<long>());
        Assert.Equal(11, policy["api_keys"]!["default_lifetime_days"]!.GetValue<int>());
        Assert.Equal(22, policy["api_keys"]!["max_lifetime_days"]!.GetValue<int>());
        Assert.Equal(7, policy["api_keys"]!["max_active_keys_per_user"]!.GetValue<int>());
        Assert.Equal(13, policy["api_keys"]!["failed_lookups_per_address"]!.GetValue<int>());
        Assert.Equal("aip_", policy["api_keys"]!["format"]!["prefix"]!.GetValue<string>());
        Assert.Equal(256, policy["api_keys"]!["format"]!["entropy_bits"]!.GetValue<int>());
        Assert.Equal(120, policy["rate_limits"]!["window_seconds"]!.GetValue<long>());
        var limits = policy["rate_limits"]!["policies"]!.AsArray().ToDictionary(p => p!["policy"]!.GetValue<string>(), p => p!["limit"]!.GetValue<int>());
        Assert.Equal(RateLimitPolicies.Defaults.Keys.Order(StringComparer.Ordinal), limits.Keys);
        Assert.Equal(77, limits[RateLimitPolicies.PublicRead]);
        // The functional host's own overrides (AiprodApiFactory) are live values too.
        Assert.Equal(100_000, limits[RateLimitPolicies.Auth]);
        Assert.Equal(RateLimitPolicies.Defaults[RateLimitPolicies.CsrfRefresh], limits[RateLimitPolicies.CsrfRefresh]);
        Assert.Equal(9, policy["web_sockets"]!["max_sockets_per_user"]!.GetValue<int>());
        Assert.Equal(["https://app.example.test"], policy["web_sockets"]!["allowed_origins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(42, policy["exports"]!["max_zip_jobs"]!.GetValue<int>());
        Assert.Equal(5000, policy["exports"]!["max_bytes"]!.GetValue<long>());
    }

    [Fact]
    public async Task ThePolicy_HoldsNoSecret()
    {
        var pem = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();
        const string connectionMarker = "conn-marker-5d1e";
        const string redisMarker = "redis-pass-marker-8c2f";
        const string azureMarker = "azure-key-marker-0b7a";
        var folder = Directory.CreateTempSubdirectory("aiprod-policy-").FullName;
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?>
        {
            ["Jwt:SigningKeyPem"] = pem,
            ["ConnectionStrings:Aiprod"] = $"Data Source={Path.Combine(folder, connectionMarker + ".db")}",
            // Nothing listens there: the host starts and serves without Redis.
            ["Redis:Configuration"] = $"127.0.0.1:1,password={redisMarker},abortConnect=false",
            ["Exports:Storage:AzureConnectionString"] = $"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={azureMarker}",
            // The refused Redis connection is expected here; its warnings are not the test's subject.
            ["Logging:LogLevel:Default"] = "Error",
        });
        var client = factory.CreateClient();

        var policy = (await PolicyAsync(client)).ToJsonString();
        var headers = await client.GetStringAsync("/security/headers", TestContext.Current.CancellationToken);

        Assert.Contains("\"signing_key_source\":\"configuration\"", policy, StringComparison.Ordinal);
        var keyLines = pem.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(keyLines);
        foreach (var body in new[] { policy, headers })
        {
            Assert.DoesNotContain(connectionMarker, body, StringComparison.Ordinal);
            Assert.DoesNotContain(redisMarker, body, StringComparison.Ordinal);
            Assert.DoesNotContain(azureMarker, body, StringComparison.Ordinal);
            Assert.All(keyLines, line => Assert.DoesNotContain(line, body, StringComparison.Ordinal));
        }

        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task BothRoutes_AreDocumented_WithTheirSchemasAndLimit()
    {
        // DESIGN.md's 100 per minute, over the functional host's raised limit.
        Assert.Equal(100, RateLimitPolicies.Defaults[RateLimitPolicies.PublicRead]);
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:public-read"] = "100" });
        var client = factory.CreateClient();

        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken))!;

        var schemas = document["components"]!["schemas"]!;
        foreach (var (path, schema) in new[] { ("/security/headers", "SecurityHeadersReportDto"), ("/security/policy", "SecurityPolicyDto") })
        {
            var operation = document["paths"]![path]!["get"]!;
            Assert.Equal($"#/components/schemas/{schema}", operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
            Assert.NotNull(operation["responses"]!["429"]);
            Assert.Empty(operation["security"]!.AsArray());
            Assert.Contains("100 requests per 60 s per caller (policy `public-read`)", operation["description"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var sections = schemas["SecurityPolicyDto"]!["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["access_tokens", "refresh_tokens", "passwords", "lockout", "api_keys", "rate_limits", "web_sockets", "exports", "audit_chain", "csrf"], sections);
        Assert.Equal("#/components/schemas/RateLimitPolicyDto", schemas["SecurityPolicyDto"]!["properties"]!["rate_limits"]!["$ref"]!.GetValue<string>());
        Assert.NotNull(schemas["SurfaceHeadersReportDto"]!["properties"]!["grade"]);
    }

    private static async Task<JsonObject> PolicyAsync(HttpClient client)
    {
        var response = await client.GetAsync("/security/policy", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}
