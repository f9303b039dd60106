using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// Typed ids change nothing a client sees: route values bind to them (a malformed one is still a 404 problem), answers
/// and the Swagger document carry bare GUIDs.
/// </summary>
public sealed class TypedIdTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private const string Unknown = "0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7f";

    /// <summary>The names under which answers and routes carry typed ids.</summary>
    private static readonly string[] IdNames = ["id", "job_id", "key_id", "owner_id", "parent_key_id", "session_id", "user_id"];

    [Fact]
    public async Task RouteValues_BindToTheirTypedIds()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var otherSession = (await client.LoginForTokensAsync("ann@example.com")).Str("access_token");
        var worker = await client.WorkerKeyAsync(token);
        var job = await client.SubmitAsync(token);
        var claimed = (await client.ClaimAsync(worker))!;
        var key = (await client.CreateApiKeyAsync(token))["api_key"]!.AsObject().Str("key_id");
        var sessions = (await (await client.GetWithTokenAsync("/auth/sessions", otherSession)).ReadJsonAsync())["sessions"]!.AsArray();
        var other = sessions.Single(s => s!["current"]!.GetValue<bool>())!.AsObject().Str("session_id");

        var read = await (await client.GetWithTokenAsync($"/pipeline/job/{job}", token)).ReadJsonAsync();
        var reported = await (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 10 })).ReadJsonAsync();
        var revoked = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{key}/revoke", token, new { reason = "test" })).ReadJsonAsync();
        var ended = await client.SendWithTokenAsync(HttpMethod.Delete, $"/auth/sessions/{other}", token);

        Assert.Equal(job, claimed.Str("job_id"));
        Assert.Equal(job, read.Str("job_id"));
        Assert.Equal(job, reported.Str("job_id"));
        Assert.Equal(key, revoked.Str("key_id"));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        await (await client.GetWithTokenAsync("/auth/me", otherSession)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: token);
        Assert.Equal(job, (await socket.ReceiveTypeAsync("connected")).Str("job_id"));
    }

    [Fact]
    public async Task AnAdminRoute_BindsTheUserId()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var ann = (await client.RegisterAsync("ann@example.com")).Str("id");

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{ann}/disable", admin, new { reason = "test: disable" })).StatusCode);
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{Unknown}/disable", admin, new { reason = "test: disable" })).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        await (await client.SendWithTokenAsync(HttpMethod.Post, "/admin/users/not-a-guid/disable", admin, new { reason = "test: disable" })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("GET", "/pipeline/job/{0}", "job_not_found")]
    [InlineData("POST", "/pipeline/job/{0}/cancel", "job_not_found")]
    [InlineData("POST", "/api-keys/{0}/rotate", "api_key_not_found")]
    [InlineData("POST", "/api-keys/{0}/revoke", "api_key_not_found")]
    [InlineData("DELETE", "/auth/sessions/{0}", "session_not_found")]
    [InlineData("GET", "/ws/job/{0}", "job_not_found")]
    public async Task AnUnknownId_IsTheRoutesNotFound_AndAMalformedOne_IsNoRoute(string method, string route, string notFound)
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var unknown = await client.SendWithTokenAsync(new HttpMethod(method), string.Format(null, route, Unknown), token, method == "POST" ? new { } : null);
        var malformed = await client.SendWithTokenAsync(new HttpMethod(method), string.Format(null, route, "not-a-guid"), token, method == "POST" ? new { } : null);

        if (route.StartsWith("/ws/", StringComparison.Ordinal))
        {
            // Not a WebSocket handshake: refused before the job is looked up, as for any id.
            await unknown.AssertProblemAsync(HttpStatusCode.BadRequest, "websocket_required");
        }
        else
        {
            await unknown.AssertProblemAsync(HttpStatusCode.NotFound, notFound);
        }

        Assert.Contains("GUID", (await malformed.AssertProblemAsync(HttpStatusCode.NotFound))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkerRoute_WithAMalformedOrUnknownJobId_IsAProblem()
    {
        var client = await fixture.CreateClientAsync();
        var worker = await client.WorkerKeyAsync(await client.RegisterAndLoginAsync("ann@example.com"));

        await (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{Unknown}/progress", new { progress = 10 })).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        await (await client.WorkerPostAsync(worker, "/pipeline/worker/jobs/not-a-guid/progress", new { progress = 10 })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AuditDetails_CarryIdsAsBareGuids()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var key = (await client.CreateApiKeyAsync(token))["api_key"]!.AsObject().Str("key_id");
        var rotated = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{key}/rotate", token, new { })).ReadJsonAsync();
        await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/revoke-all", token, new { confirm = true });
        var session = (await (await client.GetWithTokenAsync("/auth/sessions", token)).ReadJsonAsync())["sessions"]!.AsArray().Single()!.AsObject().Str("session_id");
        await client.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", token);

        var details = (await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Details != null).Select(e => new { e.EventType, e.Details }).ToListAsync()))
            .ToLookup(e => e.EventType, e => JsonNode.Parse(e.Details!)!);

        Assert.Equal(key, details[AuditEventTypes.ApiKeyRotated].Single()["key_id"]!.GetValue<string>());
        Assert.Equal(rotated["api_key"]!.AsObject().Str("key_id"), details[AuditEventTypes.ApiKeyRotated].Single()["new_key_id"]!.GetValue<string>());
        Assert.Equal(
            new[] { key, rotated["api_key"]!.AsObject().Str("key_id") }.Order(StringComparer.Ordinal),
            details[AuditEventTypes.ApiKeyRevokedAll].Single()["key_ids"]!.AsArray().Select(k => k!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(session, details[AuditEventTypes.SessionRevoked].Single()["family_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheSwaggerDocument_DescribesIdsAsGuids()
    {
        var client = await fixture.CreateClientAsync();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken))!;
        var schemas = document["components"]!["schemas"]!.AsObject();

        Assert.DoesNotContain(schemas, s => s.Key is "UserId" or "ApiKeyId" or "SessionId" or "JobId");
        var ids = schemas.SelectMany(s => s.Value!["properties"]?.AsObject() ?? [])
            .Select(p => (p.Key, Schema: p.Value!))
            .Concat(document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject())
                .SelectMany(o => o.Value!["parameters"]?.AsArray() ?? [])
                .Where(p => p!["in"]!.GetValue<string>() == "path")
                .Select(p => (Key: p!["name"]!.GetValue<string>(), Schema: p["schema"]!)))
            .Where(p => IdNames.Contains(p.Key))
            .ToList();
        var lists = schemas.SelectMany(s => s.Value!["properties"]?.AsObject() ?? []).Where(p => p.Key == "key_ids").ToList();

        Assert.Equal(IdNames.Order(StringComparer.Ordinal), ids.Select(p => p.Key).Distinct().Order(StringComparer.Ordinal));
        Assert.All(ids, p => Assert.True(IsGuid(p.Schema), $"{p.Key}: {p.Schema.ToJsonString()}"));
        Assert.NotEmpty(lists);
        Assert.All(lists, p => Assert.True(IsGuid(p.Value!["items"]!), $"{p.Key}: {p.Value!.ToJsonString()}"));
    }

    private static bool IsGuid(JsonNode schema) =>
        schema["type"]?.GetValue<string>() == "string" && schema["format"]?.GetValue<string>() == "uuid" && schema["$ref"] is null;
}

/// <summary>What instances tell each other over Redis carries ids and log levels as before, so instances of two versions understand each other.</summary>
public sealed class TypedIdRedisTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task JobEventsAndSessionRevocations_CarryBareGuids()
    {
        redis.SkipIfUnavailable();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        await using var listener = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var jobEvents = await listener.GetSubscriber().SubscribeAsync(RedisChannel.Literal("aiprod:jobs:events"));
        var revocations = await listener.GetSubscriber().SubscribeAsync(RedisChannel.Literal("aiprod:sessions:revoked"));
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var session = (await (await client.GetWithTokenAsync("/auth/sessions", token)).ReadJsonAsync())["sessions"]!.AsArray().Single()!.AsObject().Str("session_id");

        var job = await client.SubmitAsync(token);
        await client.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", token);

        var published = JsonNode.Parse((string)(await jobEvents.ReadAsync(TestContext.Current.CancellationToken)).Message!)!;
        Assert.Equal(job, published["jobId"]!.GetValue<string>());
        Assert.Equal(Guid.Parse(session).ToString("N"), (string)(await revocations.ReadAsync(TestContext.Current.CancellationToken)).Message!);
    }

    [Fact]
    public async Task AJobEventFromAnotherInstance_InTheGuidTextForm_ReachesASocket()
    {
        redis.SkipIfUnavailable();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        await using var publisher = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var job = await client.SubmitAsync(token);
        using var socket = await JobTestKit.ConnectAsync(factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");

        var message = $"{{\"type\":\"progress\",\"jobId\":\"{job}\",\"eventId\":2,\"at\":\"2026-05-01T12:00:00+00:00\",\"progress\":40}}";
        await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal("aiprod:jobs:events"), message);

        var progress = await socket.ReceiveTypeAsync("progress");
        Assert.Equal(job, progress.Str("job_id"));
        Assert.Equal(40, progress["progress"]!.GetValue<int>());
    }

    [Fact]
    public async Task ALogEvent_IsPublishedWithItsLevelByName()
    {
        redis.SkipIfUnavailable();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        await using var listener = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var jobEvents = await listener.GetSubscriber().SubscribeAsync(RedisChannel.Literal("aiprod:jobs:events"));
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        var job = await client.SubmitAsync(token);
        await client.ClaimAsync(worker);

        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/logs", new { lines = new[] { new { level = "warning", message = "slow" } } });

        JsonNode published;
        do
        {
            published = JsonNode.Parse((string)(await jobEvents.ReadAsync(TestContext.Current.CancellationToken)).Message!)!;
        }
        while (published["type"]!.GetValue<string>() != "log");
        Assert.Equal("warning", published["level"]!.GetValue<string>());
    }

    [Fact]
    public async Task ALogEventFromAnOlderInstance_WithItsLevelByName_ReachesASocket()
    {
        redis.SkipIfUnavailable();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        await using var publisher = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var job = await client.SubmitAsync(token);
        using var socket = await JobTestKit.ConnectAsync(factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");

        var message = $"{{\"type\":\"log\",\"jobId\":\"{job}\",\"eventId\":2,\"at\":\"2026-05-01T12:00:00+00:00\",\"level\":\"info\",\"message\":\"weights loaded\"}}";
        await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal("aiprod:jobs:events"), message);

        var log = await socket.ReceiveTypeAsync("log");
        Assert.Equal("info", log.Str("level"));
        Assert.Equal("weights loaded", log.Str("message"));
    }

    [Theory]
    [InlineData("\"type\":\"log\",\"level\":\"nope\",\"message\":\"x\"")]
    [InlineData("\"type\":\"state_changed\",\"from\":1,\"status\":-7")]
    public async Task AJobEventFromRedis_WithAnUndefinedEnumValue_IsDropped_AndTheSocketGoesOn(string fields)
    {
        redis.SkipIfUnavailable();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        await using var publisher = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var job = await client.SubmitAsync(token);
        using var socket = await JobTestKit.ConnectAsync(factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");

        await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal("aiprod:jobs:events"),
            $"{{\"jobId\":\"{job}\",\"eventId\":2,\"at\":\"2026-05-01T12:00:00+00:00\",{fields}}}");
        await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal("aiprod:jobs:events"),
            $"{{\"type\":\"progress\",\"jobId\":\"{job}\",\"eventId\":3,\"at\":\"2026-05-01T12:00:01+00:00\",\"progress\":40}}");

        var next = await socket.ReceiveAsync() ?? throw new InvalidOperationException("The socket closed.");
        Assert.Equal("progress", next.Str("type"));
        Assert.Equal(40, next["progress"]!.GetValue<int>());
    }
}
