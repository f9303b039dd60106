using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// Redis is never on the path to a 5xx. A real redis-server, started for each test, is paused (CLIENT PAUSE) or
/// killed under a host configured with it; logins, refreshes, key requests, a worker's claim and complete, logouts,
/// key changes and readiness all still answer, none with a 5xx, and the rate limits keep holding on the instance.
/// That no request waits on Redis once the circuit is open is asserted by counting the commands sent to Redis
/// (none while open), not by timing requests: durations depend on the machine.
/// </summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task StalledThenKilledRedis_NoRequestIs5xxOrWaitsLong_AndTheCircuitOpens()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new AiprodApiFactory(Settings(redis.Configuration, new()
        {
            // Open for the whole test once opened, so that the circuit's state can be asserted without a race.
            ["Redis:BreakDuration"] = "00:10:00",
        }));
        var scenario = await Scenario.StartAsync(factory);

        await redis.PauseAsync(TimeSpan.FromSeconds(60));
        await scenario.RunAsync("paused");

        var circuit = factory.Services.GetRequiredService<RedisCircuit>();
        Assert.True(circuit.IsOpen, "repeated Redis timeouts did not open the circuit");
        var attempts = circuit.Attempts;

        redis.Kill();
        await scenario.RunAsync("killed");
        await scenario.AssertLimitHoldsPerInstanceAsync();
        Assert.True(circuit.IsOpen);
        Assert.Equal(attempts, circuit.Attempts);
    }

    [Fact]
    public async Task SlowRedis_OpensTheCircuit_AndThenNoRequestWaitsOnIt()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new AiprodApiFactory(Settings(redis.Configuration, new() { ["Redis:BreakDuration"] = "00:10:00" }));
        var scenario = await Scenario.StartAsync(factory);
        var circuit = factory.Services.GetRequiredService<RedisCircuit>();

        // Unlike a paused or dead one, a slow Redis keeps its connection alive: without the circuit every command
        // would wait out its timeout, for as long as Redis stays slow.
        await using (redis.KeepBusy(TimeSpan.FromMilliseconds(500)))
        {
            // Bounded in requests, not time: the busy loop starts on its own thread, and between two scripts Redis
            // answers, so how many requests meet a busy server first depends on the machine's load.
            for (var i = 0; i < 200 && !circuit.IsOpen; i++)
            {
                await scenario.ExpectAsync("anonymous /auth/me", c => c.GetAsync("/auth/me"), HttpStatusCode.Unauthorized);
            }

            Assert.True(circuit.IsOpen, "200 requests against a Redis busy 500 ms at a time did not open the circuit");
            // With the circuit open no request sends Redis a command, so none can wait on the slow server.
            var attempts = circuit.Attempts;
            for (var i = 0; i < 40; i++)
            {
                await scenario.ExpectAsync("anonymous /auth/me", c => c.GetAsync("/auth/me"), HttpStatusCode.Unauthorized);
            }

            await scenario.RunAsync("slow");
            Assert.True(circuit.IsOpen);
            Assert.Equal(attempts, circuit.Attempts);
        }
    }

    [Fact]
    public async Task KilledRedis_NoRequestIs5xx_AndLimitsHoldPerInstance()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new AiprodApiFactory(Settings(redis.Configuration, new()));
        var scenario = await Scenario.StartAsync(factory);

        redis.Kill();
        await scenario.RunAsync("killed");
        await scenario.AssertLimitHoldsPerInstanceAsync();
    }

    [Fact]
    public async Task RedisDownAtStart_TheApiStartsAndServes_AndInstancesShareChangesOnceItIsBack()
    {
        var port = RedisServer.FreePort();
        var configuration = $"127.0.0.1:{port},abortConnect=false";
        var shared = Directory.CreateTempSubdirectory("aiprod-redis-late-").FullName;
        var settings = Settings(configuration, new()
        {
            ["DataFolder:Path"] = shared,
            // Only Redis can carry the revocation within this test: the database reload is an hour away.
            ["Auth:Revocations:ReloadInterval"] = "01:00:00",
            ["ApiKeys:Cache:TimeToLive"] = "01:00:00",
        });
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var token = await clientA.RegisterAndLoginAsync("ann@example.com");
        var key = (await clientA.CreateApiKeyAsync(token)).Str("key");
        // Instance B takes the key in use (and so starts listening for key changes) while Redis is still down.
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetWithKeyAsync("/api-keys/current", key)).StatusCode);
        Assert.Equal("degraded", (await (await clientB.GetAsync("/health/ready", TestContext.Current.CancellationToken)).ReadJsonAsync()).Str("status"));

        await using var redis = await RedisServer.StartAsync(port);
        foreach (var client in new[] { clientA, clientB })
        {
            Assert.True(await UntilAsync(async () => (await (await client.GetAsync("/health/ready")).ReadJsonAsync()).Str("status") == "healthy"), "an instance did not reconnect to Redis");
        }

        Assert.Equal(HttpStatusCode.OK, (await clientA.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", token)).StatusCode);
        Assert.True(
            await ApiClientExtensions.EventuallyAsync(async () => (await clientB.GetWithTokenAsync("/auth/me", token)).StatusCode == HttpStatusCode.Unauthorized),
            "instance B, started while Redis was down, did not hear of a session ended on instance A");

        var fresh = await clientA.LoginAsync("ann@example.com");
        var keyId = (await (await clientA.GetWithKeyAsync("/api-keys/current", key)).ReadJsonAsync()).Str("key_id");
        Assert.Equal(HttpStatusCode.OK, (await clientA.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{keyId}/revoke", fresh, new { reason = "test" })).StatusCode);
        Assert.True(
            await ApiClientExtensions.EventuallyAsync(async () => (await clientB.GetWithKeyAsync("/api-keys/current", key)).StatusCode == HttpStatusCode.Unauthorized),
            "instance B, which took the key in use while Redis was down, did not hear of its revocation on instance A");
    }

    private static Dictionary<string, string?> Settings(string redis, Dictionary<string, string?> more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis,
            ["RateLimits:Policies:api-keys-health"] = "3",
            // Redis windows are aligned to the clock; an hour makes a window boundary within the test negligible.
            ["RateLimits:Window"] = "01:00:00",
        };
        foreach (var (k, v) in more)
        {
            settings[k] = v;
        }

        return settings;
    }

    /// <summary>Polls for at most 30 seconds: reconnecting follows StackExchange.Redis' back-off, up to 10 s between tries.</summary>
    private static async Task<bool> UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    /// <summary>Two users, their tokens and keys, and the requests that touch Redis, each checked for its status.</summary>
    private sealed class Scenario
    {
        private readonly HttpClient client;
        private string annRefresh = string.Empty;
        private string annToken = string.Empty;
        private string annKey = string.Empty;
        private string workerKey = string.Empty;

        private Scenario(AiprodApiFactory factory)
        {
            client = factory.CreateClient();
        }

        /// <summary>Everything is set up while Redis answers; nothing of the keys or job events has been used yet.</summary>
        public static async Task<Scenario> StartAsync(AiprodApiFactory factory)
        {
            var scenario = new Scenario(factory);
            var c = scenario.client;
            await c.RegisterAsync("ann@example.com");
            await c.RegisterAsync("bob@example.com");
            var tokens = await c.LoginForTokensAsync("ann@example.com");
            scenario.annToken = tokens.Str("access_token");
            scenario.annRefresh = tokens.Str("refresh_token");
            scenario.annKey = (await c.CreateApiKeyAsync(scenario.annToken)).Str("key");
            scenario.workerKey = await c.WorkerKeyAsync(scenario.annToken);
            var ready = await (await c.GetAsync("/health/ready")).ReadJsonAsync();
            Assert.Equal("healthy", ready.Str("status"));
            return scenario;
        }

        public async Task<HttpResponseMessage> ExpectAsync(string what, Func<HttpClient, Task<HttpResponseMessage>> send, HttpStatusCode expected)
        {
            var response = await send(client);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{what}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
            return response;
        }

        public async Task RunAsync(string phase)
        {
            var bob = (await (await ExpectAsync($"{phase}: login", c => c.PostAsJsonAsync("/auth/login", new { email = "bob@example.com", password = ApiClientExtensions.DefaultPassword }), HttpStatusCode.OK)).ReadJsonAsync()).Str("access_token");

            var refreshed = await (await ExpectAsync($"{phase}: refresh", c => c.RefreshAsync(annRefresh), HttpStatusCode.OK)).ReadJsonAsync();
            annRefresh = refreshed.Str("refresh_token");
            annToken = refreshed.Str("access_token");

            await ExpectAsync($"{phase}: a key's request", c => c.GetWithKeyAsync("/api-keys/current", annKey), HttpStatusCode.OK);

            var submit = new HttpRequestMessage(HttpMethod.Post, "/pipeline/run")
            {
                Content = JsonContent.Create(new { content = "A 30 second teaser for a coffee brand", preset = "quick_social" }),
            };
            submit.Headers.Add("X-API-Key", annKey);
            var jobId = (await (await ExpectAsync($"{phase}: submit with a key", c => c.SendAsync(submit), HttpStatusCode.Accepted)).ReadJsonAsync()).Str("job_id");

            var claimed = (await (await ExpectAsync($"{phase}: claim", c => c.WorkerPostAsync(workerKey, "/pipeline/worker/claim", new { }), HttpStatusCode.OK)).ReadJsonAsync());
            Assert.Equal(jobId, claimed.Str("job_id"));
            await ExpectAsync($"{phase}: progress", c => c.WorkerPostAsync(workerKey, $"/pipeline/worker/jobs/{jobId}/progress", new { progress = 50 }), HttpStatusCode.OK);
            await ExpectAsync($"{phase}: complete", c => c.WorkerPostAsync(workerKey, $"/pipeline/worker/jobs/{jobId}/complete", new { output = new { url = "file:///out.mp4" } }), HttpStatusCode.OK);
            var job = await (await ExpectAsync($"{phase}: job", c => c.GetWithTokenAsync($"/pipeline/job/{jobId}", annToken), HttpStatusCode.OK)).ReadJsonAsync();
            Assert.Equal("completed", job.Str("status"));

            await ExpectAsync($"{phase}: logout-all", c => c.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", bob), HttpStatusCode.OK);
            // This instance knows at once, Redis or not.
            await ExpectAsync($"{phase}: a logged-out token", c => c.GetWithTokenAsync("/auth/me", bob), HttpStatusCode.Unauthorized);

            var spare = await (await ExpectAsync($"{phase}: create a key", c => c.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", annToken, new { name = "spare" }), HttpStatusCode.Created)).ReadJsonAsync();
            var spareId = spare["api_key"]!["key_id"]!.GetValue<string>();
            await ExpectAsync($"{phase}: revoke a key", c => c.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{spareId}/revoke", annToken, new { reason = "test" }), HttpStatusCode.OK);
            await ExpectAsync($"{phase}: the revoked key", c => c.GetWithKeyAsync("/api-keys/current", spare.Str("key")), HttpStatusCode.Unauthorized);

            var ready = await (await ExpectAsync($"{phase}: readiness", c => c.GetAsync("/health/ready"), HttpStatusCode.OK)).ReadJsonAsync();
            Assert.Equal("degraded", ready.Str("status"));
            Assert.Equal("degraded", ready["checks"]!["redis"]!.GetValue<string>());
            Assert.Equal("healthy", ready["checks"]!["database"]!.GetValue<string>());
        }

        /// <summary>A limit of three per caller still holds on this instance, per user, with Retry-After.</summary>
        public async Task AssertLimitHoldsPerInstanceAsync()
        {
            for (var i = 0; i < 3; i++)
            {
                await ExpectAsync("key health within the limit", c => c.GetWithTokenAsync("/api-keys/health", annToken), HttpStatusCode.OK);
            }

            var limited = await ExpectAsync("key health over the limit", c => c.GetWithTokenAsync("/api-keys/health", annToken), HttpStatusCode.TooManyRequests);
            await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

            var bob = (await (await ExpectAsync("login", c => c.PostAsJsonAsync("/auth/login", new { email = "bob@example.com", password = ApiClientExtensions.DefaultPassword }), HttpStatusCode.OK)).ReadJsonAsync()).Str("access_token");
            await ExpectAsync("another user's key health", c => c.GetWithTokenAsync("/api-keys/health", bob), HttpStatusCode.OK);
        }
    }
}
