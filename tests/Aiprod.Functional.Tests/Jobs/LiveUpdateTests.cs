using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Aiprod.Application.Jobs.Commands.ExpireLeases;
using Aiprod.Domain.Jobs;
using Aiprod.Functional.Tests.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>WebSocket subscribers of a job on one instance.</summary>
public sealed class LiveUpdateTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private async Task<(HttpClient Client, string Token, string Worker, string Job)> JobAsync()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        return (client, token, worker, await client.SubmitAsync(token));
    }

    [Fact]
    public async Task Subscriber_ReceivesConnectedThenEveryEventInOrder()
    {
        var (client, token, worker, job) = await JobAsync();
        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: token);

        var connected = await socket.ReceiveTypeAsync("connected");
        Assert.Equal("queued", connected.Str("status"));
        Assert.Equal(1, connected["event_id"]!.GetValue<long>());

        await client.ClaimAsync(worker);
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 30, message = "scene 1" });
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/logs", new { lines = new[] { new { level = "info", message = "frame 100" } } });
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/complete", new { output = new { url = "s3://x" } });

        var received = new List<System.Text.Json.Nodes.JsonObject>();
        for (var i = 0; i < 4; i++)
        {
            received.Add((await socket.ReceiveAsync())!);
        }

        Assert.Equal(["state_changed", "progress", "log", "state_changed"], received.Select(m => m.Str("type")));
        Assert.Equal([2L, 3L, 4L, 5L], received.Select(m => m["event_id"]!.GetValue<long>()));
        Assert.Equal("running", received[0].Str("status"));
        Assert.Equal(30, received[1]["progress"]!.GetValue<int>());
        Assert.Equal("frame 100", received[2].Str("message"));
        Assert.Equal("completed", received[3].Str("status"));
    }

    [Fact]
    public async Task Subscriber_WithAnApiKey_IsServedToo()
    {
        var (client, token, worker, job) = await JobAsync();
        var reader = (await client.CreateApiKeyAsync(token, new { name = "dashboard", scopes = new[] { "jobs:read" } })).Str("key");
        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, apiKey: reader);

        await socket.ReceiveTypeAsync("connected");
        await client.ClaimAsync(worker);

        Assert.Equal("running", (await socket.ReceiveTypeAsync("state_changed")).Str("status"));
    }

    [Fact]
    public async Task PingStatusAndUnknownMessages_AreAnswered_AsTextOrJson()
    {
        var (_, token, _, job) = await JobAsync();
        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");

        await socket.SendTextAsync("ping");
        Assert.Equal("pong", (await socket.ReceiveAsync())!.Str("type"));
        await socket.SendTextAsync("{\"type\": \"ping\"}");
        Assert.Equal("pong", (await socket.ReceiveAsync())!.Str("type"));
        await socket.SendTextAsync("{\"type\":\"status\"}");
        var status = (await socket.ReceiveAsync())!;
        Assert.Equal("status", status.Str("type"));
        Assert.Equal("queued", status.Str("status"));
        await socket.SendTextAsync("dance");
        Assert.Equal("error", (await socket.ReceiveAsync())!.Str("type"));
    }

    [Fact]
    public async Task Status_AfterAWorkerClaims_SaysRunning()
    {
        var (client, token, worker, job) = await JobAsync();
        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");

        await client.ClaimAsync(worker);
        await socket.SendTextAsync("status");

        var status = await socket.ReceiveTypeAsync("status");
        Assert.Equal("running", status.Str("status"));
        Assert.Equal(2, status["event_id"]!.GetValue<long>());
    }

    [Fact]
    public async Task AMessageOver64Kb_ClosesTheSocketWith1009()
    {
        var (_, token, _, job) = await JobAsync();
        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");

        await socket.SendAsync(new byte[(64 * 1024) + 1], WebSocketMessageType.Text, true, CancellationToken.None);

        Assert.Null(await socket.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
    }

    [Fact]
    public async Task Resume_WithLastEventId_ReplaysWhatWasMissed_ThenGoesLive()
    {
        var (client, token, worker, job) = await JobAsync();
        await client.ClaimAsync(worker);
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 10 });
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 20 });

        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: token, lastEventId: 1);

        var connected = await socket.ReceiveTypeAsync("connected");
        Assert.Equal(4, connected["event_id"]!.GetValue<long>());
        var replayed = new[] { (await socket.ReceiveAsync())!, (await socket.ReceiveAsync())!, (await socket.ReceiveAsync())! };
        Assert.Equal([2L, 3L, 4L], replayed.Select(m => m["event_id"]!.GetValue<long>()));
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 30 });
        var live = (await socket.ReceiveAsync())!;
        Assert.Equal(5, live["event_id"]!.GetValue<long>());
        Assert.Equal(30, live["progress"]!.GetValue<int>());
    }

    [Fact]
    public async Task AnotherUsersJob_UnauthenticatedCalls_AndForeignOrigins_AreRefused()
    {
        var (client, _, _, job) = await JobAsync();
        var bob = await client.RegisterAndLoginAsync("bob@example.com");

        var foreign = await Assert.ThrowsAnyAsync<Exception>(() => JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: bob));
        var anonymous = await Assert.ThrowsAnyAsync<Exception>(() => JobTestKit.ConnectAsync(fixture.Factory, job));
        var ann = await client.LoginAsync("ann@example.com");
        var origin = await Assert.ThrowsAnyAsync<Exception>(() => JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: ann, origin: "https://evil.example"));

        Assert.Contains("404", foreign.Message, StringComparison.Ordinal);
        Assert.Contains("401", anonymous.Message, StringComparison.Ordinal);
        Assert.Contains("403", origin.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_CountConnectionsForAdminsOnly()
    {
        var (client, token, _, job) = await JobAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var reader = (await client.CreateApiKeyAsync(token, new { name = "dash", scopes = new[] { "jobs:read" } })).Str("key");
        using var a = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: token);
        using var b = await JobTestKit.ConnectAsync(fixture.Factory, job, apiKey: reader);
        await a.ReceiveTypeAsync("connected");
        await b.ReceiveTypeAsync("connected");

        var stats = await (await client.GetWithTokenAsync("/ws/stats", admin)).ReadJsonAsync();

        Assert.True(stats["active_connections"]!.GetValue<long>() >= 2);
        Assert.True(stats["authenticated_by_api_key"]!.GetValue<long>() >= 1);
        Assert.True(stats["jobs_with_subscribers"]!.GetValue<int>() >= 1);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync("/ws/stats", token)).StatusCode);
    }

    [Fact]
    public async Task PlainHttpToTheSocketRoute_Is400()
    {
        var (client, token, _, job) = await JobAsync();

        var response = await client.GetWithTokenAsync($"/ws/job/{job}", token);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "websocket_required");
    }
}

/// <summary>
/// An open socket's credential is checked again on the host's clock: a session ended or a key revoked closes its
/// sockets with 1008 at the next check. The test steps the clock instead of waiting for the check.
/// </summary>
public sealed class SocketCredentialTests : IAsyncDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;

    public SocketCredentialTests() => factory = new AiprodApiFactory(
        new Dictionary<string, string?> { ["WebSockets:CredentialCheckInterval"] = CheckInterval.ToString() }, clock);

    private async Task<(HttpClient Client, string Token, string Job)> JobAsync()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        return (client, token, await client.SubmitAsync(token));
    }

    /// <summary>
    /// Steps the clock one check at a time until the socket ends. A few steps are allowed: the socket's check timer
    /// starts just after <c>connected</c> is sent, so the first step may come before it. Twenty steps stay far inside
    /// the access token's lifetime, so only the revocation can close the socket.
    /// </summary>
    private async Task<JsonObject?> NextAfterChecksAsync(WebSocket socket)
    {
        var next = socket.ReceiveAsync(TimeSpan.FromSeconds(30));
        for (var step = 0; step < 20 && !next.IsCompleted; step++)
        {
            clock.Advance(CheckInterval);
            await Task.WhenAny(next, Task.Delay(250, TestContext.Current.CancellationToken));
        }

        Assert.True(next.IsCompleted, "the socket outlived twenty credential checks");
        return await next;
    }

    [Fact]
    public async Task EndingTheSession_ClosesItsSocketsWith1008_AtTheNextCheck()
    {
        var (client, token, job) = await JobAsync();
        using var socket = await JobTestKit.ConnectAsync(factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");

        await client.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", token);

        Assert.Null(await NextAfterChecksAsync(socket));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    [Fact]
    public async Task RevokingTheKey_ClosesItsSocketsWith1008_AtTheNextCheck()
    {
        var (client, token, job) = await JobAsync();
        var created = await client.CreateApiKeyAsync(token, new { name = "dashboard", scopes = new[] { "jobs:read" } });
        using var socket = await JobTestKit.ConnectAsync(factory, job, apiKey: created.Str("key"));
        await socket.ReceiveTypeAsync("connected");

        await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{created["api_key"]!["key_id"]}/revoke", token, new { });

        Assert.Null(await NextAfterChecksAsync(socket));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>Worker leases on a host whose clock the test moves.</summary>
public sealed class LeaseTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;

    public LeaseTests() => factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Jobs:MaxRetries"] = "1", ["Jobs:LeaseCheckInterval"] = "01:00:00" }, clock);

    private async Task<int> ExpireAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ExpireLeasesCommand());
    }

    [Fact]
    public async Task ALapsedLease_RequeuesWithARetry_ThenFailsWhenRetriesAreSpent()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        var job = await client.SubmitAsync(token);
        await client.ClaimAsync(worker, leaseSeconds: 30);

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await ExpireAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 5 })).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(61));
        await (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 6 })).AssertProblemAsync(HttpStatusCode.Conflict, "lease_expired");
        Assert.Equal(1, await ExpireAsync());

        var requeued = await (await client.GetWithTokenAsync($"/pipeline/job/{job}", token)).ReadJsonAsync();
        Assert.Equal("queued", requeued.Str("status"));
        Assert.Equal(1, requeued["retry_count"]!.GetValue<int>());

        await client.ClaimAsync(worker, leaseSeconds: 30);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await ExpireAsync());
        var failed = await (await client.GetWithTokenAsync($"/pipeline/job/{job}", token)).ReadJsonAsync();
        Assert.Equal("failed", failed.Str("status"));
        Assert.False(failed["result"]!["success"]!.GetValue<bool>());
        Assert.Equal(2, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == "job_lease_lapsed")));
    }

    [Fact]
    public async Task LapsedLeases_ExpiredBySeveralInstancesWhileWorkersClaim_AreEachRequeuedOnce()
    {
        const int Jobs = 10;
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);

        for (var round = 1; round <= 5; round++)
        {
            var jobs = new List<string>();
            for (var i = 0; i < Jobs; i++)
            {
                jobs.Add(await client.SubmitAsync(token));
                Assert.NotNull(await client.ClaimAsync(worker, leaseSeconds: 30));
            }

            clock.Advance(TimeSpan.FromSeconds(31));

            // Four instances' lease checks and two workers claiming what they put back, all at once.
            var expiries = Enumerable.Range(0, 4).Select(_ => Task.Run(ExpireAsync)).ToList();
            var claimers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                var claimed = new List<string>();
                for (var attempt = 0; attempt < 15; attempt++)
                {
                    if (await client.ClaimAsync(worker, leaseSeconds: 30) is { } job)
                    {
                        claimed.Add(job.Str("job_id"));
                    }
                }

                return claimed;
            })).ToList();
            var expired = await Task.WhenAll(expiries);
            var reclaimed = (await Task.WhenAll(claimers)).SelectMany(c => c).ToList();

            Assert.Equal(Jobs, expired.Sum());
            Assert.Equal(reclaimed.Count, reclaimed.Distinct().Count());
            var retries = await factory.WithDbAsync(db => db.PipelineJobs.Where(j => jobs.Select(id => new JobId(Guid.Parse(id))).Contains(j.Id)).Select(j => j.RetryCount).ToListAsync());
            Assert.All(retries, r => Assert.Equal(1, r));
            Assert.Equal(Jobs * round, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == "job_lease_lapsed")));

            // Finish the round, so its jobs do not lapse again in the next one.
            foreach (var job in jobs)
            {
                if (!reclaimed.Contains(job))
                {
                    Assert.NotNull(await client.ClaimAsync(worker, leaseSeconds: 30));
                }
            }

            foreach (var job in jobs)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/complete", new { output = new { ok = true } })).StatusCode);
            }
        }
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>Two API instances on one database and one real Redis: an event raised on A reaches a socket on B.</summary>
public sealed class CrossInstanceLiveUpdateTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task AWorkerReportOnInstanceA_ReachesASocketOnInstanceB()
    {
        redis.SkipIfUnavailable();
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = Directory.CreateTempSubdirectory("aiprod-live-two-").FullName,
            ["Redis:Configuration"] = redis.Configuration,
        };
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var token = await clientA.RegisterAndLoginAsync("ann@example.com");
        var worker = await clientA.WorkerKeyAsync(token);
        var job = await clientA.SubmitAsync(token);
        using var socketOnB = await JobTestKit.ConnectAsync(b, job, accessToken: token);
        await socketOnB.ReceiveTypeAsync("connected");

        await clientA.ClaimAsync(worker);
        await clientA.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 70, message = "from A" });

        Assert.Equal("running", (await socketOnB.ReceiveTypeAsync("state_changed")).Str("status"));
        var progress = await socketOnB.ReceiveTypeAsync("progress");
        Assert.Equal(70, progress["progress"]!.GetValue<int>());
        Assert.Equal("from A", progress.Str("message"));

        var ready = System.Text.Json.Nodes.JsonNode.Parse(await b.CreateClient().GetStringAsync("/health/ready", TestContext.Current.CancellationToken))!;
        Assert.Equal("healthy", ready["checks"]!["redis"]!.GetValue<string>());
    }
}
